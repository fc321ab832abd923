package engine

import (
	"context"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// A run taken over after its worker died still counts what its finished
// child runs spent against the budget it shares with them. Was: the new
// worker rebuilt the budget from the run's own node executions only, so a
// child's spend before the crash was forgotten and the run went on to
// spend it again: a budget of 10 paid 13.
func TestTakenOverRunRemembersItsChildrensSpend(t *testing.T) {
	t.Parallel()
	// The test's engine only submits (never started as a worker).
	e := newEnv(t, Options{})
	e.eng.Stop()
	ctx := context.Background()
	// Every WaitBlock costs 4 a run, as an operator's price; the worker
	// processes read it from this test's database.
	_, err := e.store.BlockCostsSet(ctx, uuid.MustParse(blocks.WaitBlock().Info().ID),
		[]db.BlockCost{{Type: "RUN", Amount: 4, Currency: blocks.DefaultCurrency, Filter: []byte("{}")}}, uuid.Nil)
	require.NoError(t, err)
	prefix := e.hubPrefix(t)
	u := e.user(1000)
	child := waitingChild(e, u) // its wait: 4
	// a (1 credit, its child 4) → b (4, long enough to be killed in) → c (4):
	// 13 in all, so a budget of 10 must stop the run at c.
	fg := e.graph(u, []nspec{
		{Key: "a", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child.ID.String()}},
		{Key: "b", Block: "WaitBlock", Defaults: map[string]any{"seconds": 1.5}},
		{Key: "c", Block: "WaitBlock", Defaults: map[string]any{"seconds": 0.01}},
	}, []lspec{{Source: "a", SourceName: "y", Sink: "b", SinkName: "data"}, {Source: "b", SourceName: "data", Sink: "c", SinkName: "data"}})
	var bID string
	for _, n := range fg.Nodes {
		if n.Key == "b" {
			bID = n.ID.String()
		}
	}
	w := e.watch(fg.ID)

	first, _ := startWorker(t, e.url, prefix)
	budget := int64(10)
	ex, err := e.eng.SubmitBudget(ctx, u.ID, fg.ID, 0, nil, model.UserContext{}, &budget)
	require.NoError(t, err)
	w.until(ex.ID, func(ev events.Event) bool {
		return ev.Kind == events.KindNodeStatus && ev.NodeID == bID && ev.Status == string(model.StatusRunning)
	})
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	require.Equal(t, int64(9), e.charged(u), "a, its child's wait and b were charged before the kill")

	startWorker(t, e.url, prefix)
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "budget exceeded")
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, bal, sum)
	require.LessOrEqual(t, 1000-bal, budget, "the run and its child kept no more than the budget across the takeover")
}
