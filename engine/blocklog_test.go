package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// logBlock logs at every level, then with a level outside the five and a
// NUL in its text, which must not fail the run's commit.
func logBlock() blocks.Block {
	return blocks.Define[anyIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d0f", Name: "TestLogBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(_ context.Context, rc *blocks.RunContext, in anyIn, emit blocks.Emit) error {
			rc.Debug("d")
			rc.Info("i", "n", 1)
			rc.Warning("w")
			rc.Error("e")
			rc.Critical("c")
			rc.Logger.Log("LOUD", "bad\x00level", map[string]any{"k": "v"})
			return emit("output", in.Input)
		})
}

func TestBlockLogLinesAreStoredWithTheRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, []nspec{{Key: "l", Block: "TestLogBlock"}}, nil)
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	logs, err := e.store.ExecutionLogs(context.Background(), got.ID, nil, 100)
	require.NoError(t, err)
	type line struct{ Level, Message, Meta string }
	var lines []line
	for _, l := range logs {
		if l.NodeID == nil {
			continue // the run's own lines
		}
		var meta map[string]any
		require.NoError(t, json.Unmarshal(l.Metadata, &meta))
		raw, _ := json.Marshal(meta)
		lines = append(lines, line{l.Level, l.Message, string(raw)})
	}
	require.Equal(t, []line{{"DEBUG", "d", "{}"}, {"INFO", "i", `{"n":1}`}, {"WARNING", "w", "{}"}, {"ERROR", "e", "{}"},
		{"CRITICAL", "c", "{}"}, {"INFO", "badlevel", `{"k":"v","level":"LOUD"}`}}, lines)
}
