package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestExecutionStatsMeanGraphNodes: a run's stats count the graph's nodes
// (a node run three times counts once; one on a branch not taken is
// neither completed nor failed) and its node executions apart; successRate
// is completedNodes / totalNodes.
func TestExecutionStatsMeanGraphNodes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "stats", "nodes": []map[string]any{
		{"key": "step", "blockId": "StepThroughItemsBlock", "inputDefault": map[string]any{"items": []any{1, 2, 3}}},
		{"key": "keep", "blockId": "StoreValueBlock"},
		{"key": "cond", "blockId": "ConditionBlock", "inputDefault": map[string]any{"value1": 1, "operator": "==", "value2": 2, "yes_value": "y", "no_value": "n"}},
		{"key": "yes", "blockId": "StoreValueBlock"},
		{"key": "calc", "blockId": "CalculatorBlock", "inputDefault": map[string]any{"operation": "Divide", "a": 1, "b": 0}},
		{"key": "handled", "blockId": "StoreValueBlock"},
	}, "links": []map[string]any{
		{"sourceKey": "step", "sourceName": "item", "sinkKey": "keep", "sinkName": "input"},
		{"sourceKey": "cond", "sourceName": "yes_output", "sinkKey": "yes", "sinkName": "input"},
		{"sourceKey": "calc", "sourceName": "error", "sinkKey": "handled", "sinkName": "input"},
	}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var got struct {
		Stats struct {
			TotalNodes, CompletedNodes, FailedNodes                                                int
			NodeExecutions, CompletedNodeExecutions, FailedNodeExecutions, CancelledNodeExecutions int
			TotalCost                                                                              int
			ExecutionTime, SuccessRate                                                             float64
		}
		NodeExecutions []struct{ Stats struct{ Cost, InputSize int } }
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) {
		stats { totalNodes completedNodes failedNodes nodeExecutions completedNodeExecutions failedNodeExecutions
		        cancelledNodeExecutions totalCost executionTime successRate }
		nodeExecutions { stats { cost inputSize } } } }`, map[string]any{"id": ex.ID}, "execution", &got)
	s := got.Stats
	require.Equal(t, 6, s.TotalNodes)
	require.Equal(t, 4, s.CompletedNodes)
	require.Equal(t, 1, s.FailedNodes)
	require.Equal(t, 7, s.NodeExecutions)
	require.Equal(t, 6, s.CompletedNodeExecutions)
	require.Equal(t, 1, s.FailedNodeExecutions)
	require.Zero(t, s.CancelledNodeExecutions)
	require.Zero(t, s.TotalCost)
	require.GreaterOrEqual(t, s.ExecutionTime, 0.0)
	require.InDelta(t, 4.0/6, s.SuccessRate, 1e-9)
	require.Len(t, got.NodeExecutions, 7)

	// The fields that were never measured are gone from the schema.
	r := b.do(tok, `query($id: ID!) { execution(id: $id) { stats { memoryUsage } } }`, map[string]any{"id": ex.ID})
	require.NotEmpty(t, r.Errors, "ExecutionStats.memoryUsage was a constant 0")
	r = b.do(tok, `query($id: ID!) { execution(id: $id) { nodeExecutions { stats { cpuUsage memoryUsage } } } }`, map[string]any{"id": ex.ID})
	require.NotEmpty(t, r.Errors, "NodeExecutionStats.cpuUsage/memoryUsage were constant 0")
}
