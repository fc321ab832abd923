package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// statsGraph has six nodes: one runs three times (a list stepped through),
// one is on a branch not taken, one fails with its error pin handled.
func statsGraph() ([]nspec, []lspec) {
	return []nspec{
			{Key: "step", Block: "StepThroughItemsBlock", Defaults: map[string]any{"items": []any{1, 2, 3}}},
			{Key: "keep", Block: "StoreValueBlock"},
			{Key: "cond", Block: "ConditionBlock", Defaults: map[string]any{"value1": 1, "operator": "==", "value2": 2, "yes_value": "y", "no_value": "n"}},
			{Key: "yes", Block: "StoreValueBlock"},
			{Key: "calc", Block: "CalculatorBlock", Defaults: map[string]any{"operation": "Divide", "a": 1, "b": 0}},
			{Key: "handled", Block: "StoreValueBlock"},
		}, []lspec{
			{Source: "step", SourceName: "item", Sink: "keep", SinkName: "input"},
			{Source: "cond", SourceName: "yes_output", Sink: "yes", SinkName: "input"},
			{Source: "calc", SourceName: "error", Sink: "handled", SinkName: "input"},
		}
}

// A run's stats count the graph's nodes (completed: one COMPLETED execution
// and none failed; failed: any FAILED or TIMEOUT; a node never run is
// neither) and, apart, its node executions.
func TestStatsCountGraphNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, ch(statsGraph()))
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "the failure is handled")
	s := got.Stats
	require.Equal(t, 6, s.TotalNodes)
	require.Equal(t, 4, s.CompletedNodes, "step, keep, cond, handled")
	require.Equal(t, 1, s.FailedNodes, "calc")
	require.Equal(t, 7, s.NodeExecutions, "keep ran three times, yes never")
	require.Equal(t, 6, s.CompletedNodeExecutions)
	require.Equal(t, 1, s.FailedNodeExecutions)
	require.Zero(t, s.CancelledNodeExecutions)
	require.InDelta(t, 4.0/6, s.SuccessRate(), 1e-9)
}
