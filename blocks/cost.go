package blocks

import (
	"encoding/json"
	"math"
	"strings"
)

// CostType is the seed's BlockCostType: what a block's price is per.
type CostType string

const (
	CostRun     CostType = "RUN"     // a fixed amount per node execution
	CostByte    CostType = "BYTE"    // per started KiB moved (Info.Limits); else per byte of the JSON-encoded input
	CostSecond  CostType = "SECOND"  // per started second of run time, reserved and settled
	CostToken   CostType = "TOKEN"   // per started 1,000 tokens used (Info.Limits); else per estimated token of the input text
	CostRequest CostType = "REQUEST" // per outbound request (Info.Limits); else input["request_count"] (default 1)
)

// CostTypes are the five kinds, in the seed's order.
var CostTypes = []CostType{CostRun, CostByte, CostSecond, CostToken, CostRequest}

// DefaultCurrency is the seed's default cost_currency.
const DefaultCurrency = "USD"

// Cost is the seed's BlockCost: one pricing rule of a block, amounts in
// cents. A rule with a Filter applies only to inputs that match it.
type Cost struct {
	Type        CostType       `json:"type"`
	Amount      int64          `json:"amount"`
	Currency    string         `json:"currency"`
	Filter      map[string]any `json:"filter,omitempty"`
	Description string         `json:"description"`
}

// CurrencyOrDefault is Currency, or USD when unset.
// FilterJSON is the cost filter as a JSON object ({} when there is none),
// as stored in block_costs and served by the API.
func (c Cost) FilterJSON() json.RawMessage {
	if c.Filter == nil {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(c.Filter)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

func (c Cost) CurrencyOrDefault() string {
	if c.Currency == "" {
		return DefaultCurrency
	}
	return c.Currency
}

// Calculate is the seed's calculate_cost, formula for formula. BYTE and the
// TOKEN fallback measure the input as Python's json.dumps renders it (keys
// sorted, since Go maps have no order), so the counts match the seed's.
// SECOND returns the flat amount, as the seed's fallback branch does; the
// engine charges actual seconds with CalculateSeconds.
func (c Cost) Calculate(input map[string]any) int64 {
	switch c.Type {
	case CostRun:
		return c.Amount
	case CostByte:
		return MulCredits(c.Amount, int64(len(pythonJSON(input))))
	case CostToken:
		estimated := float64(len(strings.Fields(tokenText(input)))) * 1.3
		if f := float64(c.Amount) * estimated; f < MaxCredits {
			return int64(f)
		}
		return MaxCredits
	case CostRequest:
		return MulCredits(c.Amount, requestCount(input))
	default:
		return c.Amount
	}
}

// CalculateSeconds prices a finished run of a SECOND cost: every started
// second is charged. Other cost types cost nothing here.
func (c Cost) CalculateSeconds(seconds float64) int64 {
	if c.Type != CostSecond || seconds <= 0 || math.IsNaN(seconds) {
		return 0
	}
	return MulCredits(c.Amount, SecondsUsed(seconds))
}

// Matches is the seed's _matches_filter: every filter key equals the
// input's value (a missing key is null; 1 equals 1.0).
func (c Cost) Matches(input map[string]any) bool {
	for k, want := range c.Filter {
		if !looseEqual(input[k], want) {
			return false
		}
	}
	return true
}

// EstimateCost is the seed's get_cost_estimate: the sum of Calculate over
// the costs whose filter matches (SECOND counted at its flat amount).
func EstimateCost(costs []Cost, input map[string]any) int64 {
	var total int64
	for _, c := range costs {
		if c.Matches(input) {
			total = AddCredits(total, c.Calculate(input))
		}
	}
	return total
}

// PreRunCost is the seed's charge before a node runs: every matching cost
// but SECOND, priced from the input. (The engine prices with PlanCosts.)
func PreRunCost(costs []Cost, input map[string]any) int64 {
	var total int64
	for _, c := range costs {
		if c.Type != CostSecond && c.Matches(input) {
			total = AddCredits(total, c.Calculate(input))
		}
	}
	return total
}

// PostRunCost is the seed's charge after a node ran for seconds: the
// matching SECOND costs.
func PostRunCost(costs []Cost, input map[string]any, seconds float64) int64 {
	var total int64
	for _, c := range costs {
		if c.Type == CostSecond && c.Matches(input) {
			total = AddCredits(total, c.CalculateSeconds(seconds))
		}
	}
	return total
}

// tokenText is the seed's _extract_text_content.
func tokenText(input map[string]any) string {
	for _, f := range []string{"text", "content", "message", "prompt", "query"} {
		if s, ok := input[f].(string); ok {
			return s
		}
	}
	return pythonJSON(input)
}

// requestCount reads input["request_count"]: a number (truncated, at least
// 0); anything else counts as the default 1.
func requestCount(input map[string]any) int64 {
	v, ok := input["request_count"]
	if !ok || v == nil {
		return 1
	}
	f, ok := toFloat(v)
	if !ok || math.IsNaN(f) {
		return 1
	}
	if f < 0 {
		return 0
	}
	return int64(f)
}
