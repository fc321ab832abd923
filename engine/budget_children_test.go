package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// waitingChild is a graph to run as a child: an input with its own value,
// a WaitBlock of 0.01 s (priced by the env's costs), an output.
func waitingChild(e *env, u *model.User) *model.FullGraph {
	return e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x", "value": "v"}},
		{Key: "w", Block: "WaitBlock", Defaults: map[string]any{"seconds": 0.01}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "w", SinkName: "data"}, {Source: "w", SourceName: "data", Sink: "out", SinkName: "value"}})
}

// A run's budget covers the child runs it starts (AgentExecutorBlock),
// whose nodes charge the same user: a child node whose reservation would
// take the run and its children past the budget fails, the child and the
// run end FAILED saying so, and the user keeps paying no more than the
// budget. Was: the child, started without a budget, reserved 10 credits
// under a budget of 2, and the run COMPLETED.
func TestChildRunsShareTheirParentsBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Costs: pricedWait(5)})
	u := e.user(1000)
	child := waitingChild(e, u)
	fg := e.graph(u, []nspec{{Key: "a", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child.ID.String()}}}, nil)
	run := func(budget int64) *model.GraphExecution {
		w := e.watch(fg.ID)
		ex, err := e.eng.SubmitBudget(context.Background(), u.ID, fg.ID, 0, nil, model.UserContext{}, &budget)
		require.NoError(t, err)
		return w.until(ex.ID, nil)
	}

	got := run(2)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "budget exceeded")
	require.Contains(t, *got.ErrorMessage, "shares with the run that started it")
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, bal, sum)
	require.LessOrEqual(t, 1000-bal, int64(2), "the run and its child kept no more than the budget")
	require.Equal(t, int64(1), e.charged(u), "the AgentExecutorBlock's credit; the child's wait was never charged")

	// A budget that covers both: the run completes.
	got = run(11)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	bal2, sum := ledger(t, e, u.ID)
	require.Equal(t, bal2, sum)
	require.LessOrEqual(t, bal-bal2, int64(11))
}
