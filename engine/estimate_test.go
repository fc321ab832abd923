package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
)

// A cost rule filtered on a linked pin may apply or not: the most counts
// it with that key left out, the least leaves it out; its other keys still
// filter, and the rule as stored is not altered.
func TestFiltersOnLinks(t *testing.T) {
	costs := []blocks.Cost{
		{Type: blocks.CostRun, Amount: 1},
		{Type: blocks.CostRun, Amount: 10, Filter: map[string]any{"model": "big"}},
		{Type: blocks.CostRun, Amount: 100, Filter: map[string]any{"model": "big", "mode": "fast"}},
		{Type: blocks.CostRun, Amount: 1000, Filter: map[string]any{"mode": "slow"}},
	}
	upper, lower := filtersOnLinks(costs, []string{"model"})
	input := map[string]any{"model": "small", "mode": "fast"}
	require.Equal(t, int64(111), blocks.PlanCosts(upper, nil, input, 0).Fixed, "either model may come: both rules on it count")
	require.Equal(t, int64(1), blocks.PlanCosts(lower, nil, input, 0).Fixed, "only what applies whatever the link brings")
	require.Equal(t, map[string]any{"model": "big", "mode": "fast"}, costs[2].Filter, "the stored rule is not altered")

	same, same2 := filtersOnLinks(costs, nil)
	require.Equal(t, costs, same)
	require.Equal(t, costs, same2)
}

// Which linked pins can change a price: those a block's limits read
// (PricedBy; nil: any), and any for a price measured from the input.
func TestPricedByLinks(t *testing.T) {
	limits := func(map[string]any) blocks.Usage { return blocks.Usage{blocks.CostSecond: 1} }
	second := []blocks.Cost{{Type: blocks.CostSecond, Amount: 1}}
	wait := &blocks.Info{Limits: limits, PricedBy: []string{"seconds"}}
	require.True(t, pricedByLinks(wait, second, []string{"seconds"}))
	require.False(t, pricedByLinks(wait, second, []string{"data"}))
	require.False(t, pricedByLinks(wait, second, nil))
	require.True(t, pricedByLinks(&blocks.Info{Limits: limits}, second, []string{"data"}), "limits that do not say what they read")
	require.True(t, pricedByLinks(&blocks.Info{}, []blocks.Cost{{Type: blocks.CostByte, Amount: 1}}, []string{"text"}), "BYTE measures the input")
	require.False(t, pricedByLinks(&blocks.Info{}, []blocks.Cost{{Type: blocks.CostByte, Amount: 0}}, []string{"text"}), "free")
	require.False(t, pricedByLinks(&blocks.Info{}, []blocks.Cost{{Type: blocks.CostRequest, Amount: 1}}, []string{"url"}))
	require.True(t, pricedByLinks(&blocks.Info{}, []blocks.Cost{{Type: blocks.CostRequest, Amount: 1}}, []string{"request_count"}))
	require.False(t, pricedByLinks(&blocks.Info{}, []blocks.Cost{{Type: blocks.CostRun, Amount: 5}}, []string{"text"}))
}
