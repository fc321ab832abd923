package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A run that would create more node executions than the limit ends FAILED
// naming the node that kept yielding, instead of growing without bound.
func TestRunNodeExecutionLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxNodeExecutions: 20})
	u := e.user(0)
	items := make([]any, 50)
	for i := range items {
		items[i] = i
	}
	nodes := []nspec{{Key: "step", Block: "StepThroughItemsBlock", Defaults: map[string]any{"items": items}},
		{Key: "keep", Block: "StoreValueBlock"}}
	links := []lspec{{Source: "step", SourceName: "item", Sink: "keep", SinkName: "input"}}
	fg := e.graph(u, nodes, links)
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "exceeded 20 node executions")
	require.Contains(t, *got.ErrorMessage, `"step"`)
	runs := e.nodeRuns(fg, got.ID)
	require.LessOrEqual(t, len(runs["keep"])+len(runs["step"]), 20)

	// Under the limit the same graph completes.
	e2 := newEnv(t, Options{MaxNodeExecutions: 60})
	u2 := e2.user(0)
	fg2 := e2.graph(u2, nodes, links)
	w2 := e2.watch(fg2.ID)
	require.Equal(t, model.StatusCompleted, w2.until(e2.submit(u2, fg2, nil).ID, nil).Status)
}

// OnNodeEnd reports every block run that ends, with its block, status and
// the credits it cost.
func TestOnNodeEndReportsBlockRuns(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]int{}
	credits := map[string]int64{}
	e := newEnv(t, Options{OnNodeEnd: func(block string, st model.Status, seconds float64, cost int64) {
		mu.Lock()
		defer mu.Unlock()
		got[block+" "+string(st)]++
		credits[block] += cost
		if seconds < 0 {
			got["negative"]++
		}
	}})
	u := e.user(5)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 3)))
	w := e.watch(fg.ID)
	run := w.until(e.submit(u, fg, map[string]any{"x": 1}).ID, nil)
	require.Equal(t, model.StatusCompleted, run.Status)
	paid := e.graph(u, []nspec{{Key: "p", Block: "TestPaid2Block", Defaults: map[string]any{"input": 1}}}, nil)
	pw := e.watch(paid.ID)
	require.Equal(t, model.StatusCompleted, pw.until(e.submit(u, paid, nil).ID, nil).Status)
	balance, err := e.store.UserBalance(context.Background(), u.ID)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 3, got["StoreValueBlock COMPLETED"], "%v", got)
	require.Equal(t, 1, got["TestPaid2Block COMPLETED"], "%v", got)
	require.Zero(t, got["negative"])
	require.Equal(t, int64(0), credits["StoreValueBlock"])
	require.Equal(t, int64(2), credits["TestPaid2Block"])
	require.Equal(t, int64(5-2), balance, "what was reported is what the ledger charged")
	total := 0
	for _, n := range got {
		total += n
	}
	require.Equal(t, run.Stats.NodeExecutions+1, total, "one report per node execution (the paid run has one): %v", got)
}
