package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// paidChain is a graph of n TestPaidBlock nodes (1 credit each) in a line.
func paidChain(e *env, u *model.User, n int) *model.FullGraph {
	nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
	links := []lspec{{Source: "in", SourceName: "result", Sink: "p0", SinkName: "input"}}
	for i := range n {
		nodes = append(nodes, nspec{Key: fmt.Sprintf("p%d", i), Block: "TestPaidBlock"})
		if i > 0 {
			links = append(links, lspec{Source: fmt.Sprintf("p%d", i-1), SourceName: "output", Sink: fmt.Sprintf("p%d", i), SinkName: "input"})
		}
	}
	return e.graph(u, nodes, links)
}

// A chain of paid side-effect-free nodes is charged upfront once the
// worker knows the user's balance: every node runs without waiting for a
// commit of its charge, and the ledger still holds exactly one charge per
// node execution, equal to its stats' cost.
func TestUpfrontChargesRideTheNodesCommits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(100)
	fg := paidChain(e, u, 8)
	w := e.watch(fg.ID)
	for range 3 {
		got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
		require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
		require.EqualValues(t, 8, got.Stats.TotalCost)
		var named int
		require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT count(*) FROM credit_transactions
			WHERE graph_execution_id = $1 AND graph_id = $2 AND block_id IS NOT NULL AND transaction_type = 'EXECUTION_COST'`,
			got.ID, fg.ID).Scan(&named))
		require.Equal(t, 8, named, "each ledger line names its run, graph and block")
		byRef := ledgerByReference(t, e, u.ID)
		for key, nes := range e.nodeRuns(fg, got.ID) {
			for _, ne := range nes {
				want := charges{}
				if key != "in" {
					want = charges{cost: 1}
					require.EqualValues(t, 1, paidRan(got.ID, ne.NodeID), key)
				}
				require.Equal(t, want, byRef[ne.ID.String()], key)
				require.Equal(t, want.cost, ne.Stats.Cost, key)
			}
		}
	}
	bal, sum := ledger(t, e, u.ID)
	require.EqualValues(t, 100-24, bal)
	require.Equal(t, bal, sum)
	e.eng.credits.mu.Lock()
	h := *e.eng.credits.users[u.ID]
	e.eng.credits.mu.Unlock()
	require.True(t, h.known, "the balance is known from the charges answered")
	require.EqualValues(t, 100-24, h.balance)
	require.Zero(t, h.pending)
}

// When the balance was spent elsewhere after the worker last saw it (here
// an adjustment; in production another worker), an upfront charge is
// refused in the batch carrying its node: the batch is rolled back, the run
// is taken again from its last commit at once, and its nodes are charged
// one by one until the balance runs out. No commit ever shows work that
// was not paid for, and what the user is charged is what ran to the end.
func TestRefusedUpfrontChargeRunsAgainFromTheLastCommit(t *testing.T) {
	t.Parallel()
	var retaken atomic.Int64
	e := newEnv(t, Options{OnRunStart: func(_ uuid.UUID, resumed bool) {
		if resumed {
			retaken.Add(1)
		}
	}})
	u := e.user(100)
	fg := paidChain(e, u, 8)
	w := e.watch(fg.ID)
	first := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
	require.Equal(t, model.StatusCompleted, first.Status)
	// The worker saw 92; the balance is now 3.
	_, err := e.store.CreditAdjust(context.Background(), u.ID, -89, "spent elsewhere")
	require.NoError(t, err)

	got := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "insufficient credits")
	require.GreaterOrEqual(t, retaken.Load(), int64(1), "the run was taken again after the refused charge")
	byRef := ledgerByReference(t, e, u.ID)
	runs := e.nodeRuns(fg, got.ID)
	for i := range 8 {
		key := fmt.Sprintf("p%d", i)
		nes := runs[key]
		switch {
		case i < 3:
			require.Len(t, nes, 1, key)
			require.Equal(t, model.StatusCompleted, nes[0].Status, key)
			require.Equal(t, charges{cost: 1}, byRef[nes[0].ID.String()], key)
			require.EqualValues(t, 1, nes[0].Stats.Cost, key)
		case i == 3:
			require.Len(t, nes, 1, key)
			require.Equal(t, model.StatusFailed, nes[0].Status, key)
			require.Equal(t, charges{}, byRef[nes[0].ID.String()], key)
		default:
			require.Empty(t, nes, key)
		}
	}
	require.EqualValues(t, 3, got.Stats.TotalCost)
	bal, sum := ledger(t, e, u.ID)
	require.Zero(t, bal)
	require.Equal(t, bal, sum)
}
