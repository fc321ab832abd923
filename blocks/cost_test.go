package blocks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCostCalculate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cost  Cost
		input map[string]any
		want  int64
	}{
		{"run", Cost{Type: CostRun, Amount: 7}, map[string]any{"x": 1}, 7},
		// json.dumps({"a": 1, "b": "x"}) = `{"a": 1, "b": "x"}`: 18 bytes.
		{"byte", Cost{Type: CostByte, Amount: 2}, map[string]any{"b": "x", "a": 1}, 36},
		{"byte empty", Cost{Type: CostByte, Amount: 1}, map[string]any{}, 2},
		// non-ASCII is escaped as json.dumps does: "é" → "\u00e9" (6 bytes + quotes).
		{"byte non-ascii", Cost{Type: CostByte, Amount: 1}, map[string]any{"t": "é"}, int64(len(`{"t": "\u00e9"}`))},
		{"byte nested", Cost{Type: CostByte, Amount: 1}, map[string]any{"l": []any{1, 2.5, true, nil}}, int64(len(`{"l": [1, 2.5, true, null]}`))},
		// 4 words × 1.3 = 5.2 tokens; × 10 = 52.
		{"token text", Cost{Type: CostToken, Amount: 10}, map[string]any{"text": "one two  three\nfour"}, 52},
		{"token first text field wins", Cost{Type: CostToken, Amount: 10}, map[string]any{"prompt": "a b", "query": "a b c d e"}, 26},
		{"token skips non-strings", Cost{Type: CostToken, Amount: 10}, map[string]any{"text": 5, "message": "hi"}, 13},
		// fallback: `{"a": 1, "b": 2}` splits into 4 words → int(3 × 5.2) = 15.
		{"token json fallback", Cost{Type: CostToken, Amount: 3}, map[string]any{"a": 1, "b": 2}, 15},
		{"token truncates", Cost{Type: CostToken, Amount: 1}, map[string]any{"text": "w"}, 1},
		{"request default", Cost{Type: CostRequest, Amount: 5}, map[string]any{}, 5},
		{"request count", Cost{Type: CostRequest, Amount: 5}, map[string]any{"request_count": 3}, 15},
		{"request count float", Cost{Type: CostRequest, Amount: 5}, map[string]any{"request_count": 2.0}, 10},
		{"request count junk", Cost{Type: CostRequest, Amount: 5}, map[string]any{"request_count": "x"}, 5},
		{"second flat", Cost{Type: CostSecond, Amount: 4}, map[string]any{"x": 1}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.cost.Calculate(tt.input))
		})
	}
}

func TestCostSeconds(t *testing.T) {
	t.Parallel()
	c := Cost{Type: CostSecond, Amount: 3}
	require.Equal(t, int64(0), c.CalculateSeconds(0))
	require.Equal(t, int64(3), c.CalculateSeconds(0.2), "a started second is charged")
	require.Equal(t, int64(6), c.CalculateSeconds(2))
	require.Equal(t, int64(9), c.CalculateSeconds(2.01))
	require.Equal(t, int64(0), Cost{Type: CostRun, Amount: 3}.CalculateSeconds(5))
}

func TestEstimateCostFilters(t *testing.T) {
	t.Parallel()
	costs := []Cost{
		{Type: CostRun, Amount: 1},
		{Type: CostRun, Amount: 10, Filter: map[string]any{"model": "big"}},
		{Type: CostRun, Amount: 100, Filter: map[string]any{"model": "big", "n": 2}},
		{Type: CostSecond, Amount: 1000},
	}
	require.Equal(t, int64(1001), EstimateCost(costs, map[string]any{"model": "small"}))
	require.Equal(t, int64(1011), EstimateCost(costs, map[string]any{"model": "big"}))
	require.Equal(t, int64(1111), EstimateCost(costs, map[string]any{"model": "big", "n": 2.0}), "2 matches 2.0")
	require.Equal(t, int64(111), PreRunCost(costs, map[string]any{"model": "big", "n": 2}))
	require.Equal(t, int64(3000), PostRunCost(costs, map[string]any{}, 2.5))
	require.Equal(t, int64(0), EstimateCost(nil, nil))
	require.True(t, Cost{Filter: map[string]any{"absent": nil}}.Matches(map[string]any{}), "missing key is null")
}

func TestCostCurrency(t *testing.T) {
	t.Parallel()
	require.Equal(t, "USD", Cost{}.CurrencyOrDefault())
	require.Equal(t, "EUR", Cost{Currency: "EUR"}.CurrencyOrDefault())
	b, _ := Builtin().ByName("SendWebRequestBlock")
	for _, c := range b.Info().Costs {
		require.Equal(t, "USD", c.Currency)
		require.Equal(t, int64(1), c.Amount)
	}
	require.Equal(t, []CostType{CostRequest, CostByte}, []CostType{b.Info().Costs[0].Type, b.Info().Costs[1].Type})
}

// Every kind is priced by some built-in block (usage.go lists which).
func TestBuiltinCostKindsInUse(t *testing.T) {
	t.Parallel()
	used := map[CostType]bool{}
	for _, b := range Builtin().All() {
		for _, c := range b.Info().Costs {
			used[c.Type] = true
		}
	}
	for _, k := range CostTypes {
		require.True(t, used[k], "%s in use", k)
	}
}

func TestPlanCosts(t *testing.T) {
	t.Parallel()
	costs := []Cost{
		{Type: CostRun, Amount: 2},
		{Type: CostRequest, Amount: 3},
		{Type: CostByte, Amount: 1},
		{Type: CostSecond, Amount: 5, Filter: map[string]any{"slow": true}},
		{Type: CostToken, Amount: 10}, // no limit declared: the seed's formula, fixed
	}
	p := PlanCosts(costs, Usage{CostRequest: 2, CostByte: 4097}, map[string]any{"text": "a b c d e f g h i j"}, 60)
	require.Equal(t, int64(2+130), p.Fixed, "RUN, and TOKEN from the input (10 words * 1.3 * 10)")
	require.Equal(t, int64(3*2+1*5), p.Reserve, "2 requests, 5 started KiB")
	require.Equal(t, p.Fixed+p.Reserve, p.Total())
	require.Equal(t, int64(3+2), p.Price(Usage{CostRequest: 1, CostByte: 1025}))
	require.Equal(t, p.Reserve, p.Price(Usage{CostRequest: 9, CostByte: 1 << 20}), "clamped to the limits")
	slow := PlanCosts(costs, nil, map[string]any{"slow": true}, 60)
	require.Equal(t, int64(5*60), slow.Reserve, "SECOND without a declared limit: the default seconds")
	require.Equal(t, int64(5*3), slow.Price(Usage{CostSecond: SecondsUsed(2.01)}))
	require.Equal(t, int64(1), Units(CostToken, 1))
	require.Equal(t, int64(2), Units(CostToken, 1001))
	require.Zero(t, Units(CostByte, 0))
}

// A price past int64 saturates at MaxCredits, more than any balance, never
// wrapping to a small, zero or negative price (a free run).
func TestCostsSaturate(t *testing.T) {
	t.Parallel()
	require.Equal(t, int64(MaxCredits), SecondsUsed(1e300))
	require.Equal(t, int64(MaxCredits), SecondsUsed(9.3e18))
	require.Equal(t, int64(MaxCredits), AddCredits(MaxCredits, 1))
	require.Equal(t, int64(MaxCredits), AddCredits(math.MaxInt64, math.MaxInt64))
	require.Equal(t, int64(MaxCredits), MulCredits(2, 1<<62))
	require.Equal(t, int64(6), MulCredits(2, 3))
	require.Equal(t, int64(math.MaxInt64/1024+1), Units(CostByte, math.MaxInt64), "no overflow rounding up")

	second := []Cost{{Type: CostSecond, Amount: 2}}
	for _, seconds := range []int64{4611686018427387904, math.MaxInt64} {
		p := PlanCosts(second, Usage{CostSecond: seconds}, nil, 60)
		require.Equal(t, int64(MaxCredits), p.Reserve, seconds)
		require.Equal(t, int64(MaxCredits), p.Total(), seconds)
		require.Equal(t, int64(MaxCredits), p.Price(Usage{CostSecond: seconds}), seconds)
	}
	p := PlanCosts([]Cost{{Type: CostRun, Amount: math.MaxInt64}, {Type: CostRun, Amount: 5}}, nil, nil, 60)
	require.Equal(t, int64(MaxCredits), p.Fixed)
	require.Equal(t, int64(MaxCredits), Cost{Type: CostSecond, Amount: 2}.CalculateSeconds(1e300))
	require.Equal(t, int64(MaxCredits), EstimateCost([]Cost{{Type: CostRun, Amount: math.MaxInt64}, {Type: CostRun, Amount: 1}}, nil))
	wait := waitLimits(map[string]any{"seconds": 1e300})
	require.Equal(t, int64(MaxCredits), wait[CostSecond])
}
