package db

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// marshalNodeWrites writes json.Marshal's bytes for the rows of a group
// commit, whatever they hold: the characters JSON escapes, values to
// compact, missing times and stats, floats of every size.
func TestMarshalNodeWritesAsEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "StoreValueBlock", "ünïcödé ✓", `a "quoted" \ path`, "line\nbreak", "<b>&</b>", "bad \xff", "\u2028"}
	raws := []string{``, `{}`, `{"output":[1,2]}`, `{ "spaced" : "x" }`, `{"html":"<b>"}`, `[null,true,-2.5e3]`}
	floats := []float64{0, 1, 0.000123, 1.5e-7, 3e21, 12345.678, -0.5}
	now := time.Now()
	for i := range 500 {
		rows := make([]NodeExecutionWrite, 1+r.IntN(4))
		for k := range rows {
			n := NodeExecutionWrite{Insert: r.IntN(2) == 0, ID: uuid.New(), GraphExecutionID: uuid.New(), NodeID: uuid.New(),
				Status: model.StatusCompleted, Inputs: json.RawMessage(raws[r.IntN(len(raws))]),
				Outputs: json.RawMessage(raws[r.IntN(len(raws))]), CreatedAt: now.Add(time.Duration(r.IntN(1e9)))}
			if r.IntN(2) == 0 {
				n.PrevStatus = model.StatusRunning
			}
			if r.IntN(2) == 0 {
				s := now.In(time.FixedZone("", 3600*r.IntN(5)))
				n.StartedAt, n.EndedAt = &s, &s
			}
			if r.IntN(3) == 0 {
				msg := texts[r.IntN(len(texts))]
				n.ErrorMessage = &msg
			}
			if r.IntN(3) > 0 {
				n.Stats = &model.NodeExecutionStats{NodeID: texts[r.IntN(len(texts))], BlockName: texts[r.IntN(len(texts))],
					ExecutionTime: floats[r.IntN(len(floats))], InputSize: r.Int64N(1e6), OutputSize: -1, Cost: r.Int64N(100),
					ParentNodeExecutionID: texts[r.IntN(2)]}
			}
			rows[k] = n
		}
		want, err := json.Marshal(rows)
		require.NoError(t, err)
		got, err := marshalNodeWrites(rows)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "case %d", i)
	}
	// What encoding/json refuses is refused.
	bad := []NodeExecutionWrite{{Stats: &model.NodeExecutionStats{ExecutionTime: math.NaN()}}}
	_, err := marshalNodeWrites(bad)
	require.Error(t, err)
}
