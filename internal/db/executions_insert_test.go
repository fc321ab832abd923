package db_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// A group commit's new node executions are stored as given, by both ways
// of writing a batch (pipelined; in a transaction, which a charge takes):
// a row with every value, and one with none of the optional ones, whose
// times and error stay NULL and whose outputs and stats are {}.
func TestNodeExecutionInsertsStoreWhatTheyAreGiven(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	_, err := s.CreditAdd(ctx, u.ID, 10, "PURCHASE", "credits")
	require.NoError(t, err)
	g := b.graph(u)
	for _, charged := range []bool{false, true} {
		owner := "w-" + testenv.RandomSuffix(4)
		ex := b.running(u, g, owner)
		now := b.nowFromDB()
		started, ended := now.Add(time.Millisecond), now.Add(2*time.Millisecond)
		msg := `it failed: "quoted", é, \n`
		full := db.NodeExecutionWrite{Insert: true, ID: uuid.New(), GraphExecutionID: ex.ID, NodeID: g.Nodes[0].ID,
			Status: model.StatusFailed, Inputs: json.RawMessage(`{"v": [1, "two", null]}`),
			Outputs: json.RawMessage(`{"error": ["boom"]}`), CreatedAt: now, StartedAt: &started, EndedAt: &ended,
			ErrorMessage: &msg, Stats: &model.NodeExecutionStats{NodeID: g.Nodes[0].ID.String(), BlockName: "B",
				ExecutionTime: 0.25, InputSize: 3, OutputSize: 4, Cost: 1}}
		bare := db.NodeExecutionWrite{Insert: true, ID: uuid.New(), GraphExecutionID: ex.ID, NodeID: g.Nodes[1].ID,
			Status: model.StatusQueued, Inputs: json.RawMessage(`{}`), CreatedAt: now}
		batch := &db.ExecutionBatch{Owner: owner, LeaseSeconds: 30,
			Runs: []db.RunWrite{{ID: ex.ID, PrevSeq: 2, LastSeq: 3}}, Nodes: []db.NodeExecutionWrite{full, bare}}
		if charged {
			batch.Charges = []db.Charge{{UserID: u.ID, ReferenceID: full.ID.String(), Amount: 1, Description: "run"}}
		}
		_, err := s.ExecutionApplyBatch(ctx, batch)
		require.NoError(t, err)
		byRun, err := s.NodeExecutionsByExecutions(ctx, []uuid.UUID{ex.ID})
		require.NoError(t, err)
		got := map[uuid.UUID]model.NodeExecution{}
		for _, n := range byRun[ex.ID] {
			got[n.ID] = n
		}
		require.Len(t, got, 2)
		f := got[full.ID]
		require.Equal(t, model.StatusFailed, f.Status)
		require.JSONEq(t, string(full.Inputs), string(f.Inputs))
		require.JSONEq(t, string(full.Outputs), string(f.Outputs))
		require.True(t, now.Equal(f.CreatedAt), "created_at %s, stored %s", now, f.CreatedAt)
		require.True(t, started.Equal(*f.StartedAt))
		require.True(t, ended.Equal(*f.EndedAt))
		require.Equal(t, msg, *f.ErrorMessage)
		require.Equal(t, *full.Stats, f.Stats)
		n := got[bare.ID]
		require.Equal(t, model.StatusQueued, n.Status)
		require.JSONEq(t, `{}`, string(n.Inputs))
		require.JSONEq(t, `{}`, string(n.Outputs))
		require.Nil(t, n.StartedAt)
		require.Nil(t, n.EndedAt)
		require.Nil(t, n.ErrorMessage)
		require.Equal(t, model.NodeExecutionStats{}, n.Stats)
	}
}
