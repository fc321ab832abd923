package blocks

import (
	"fmt"
	"math"
)

// Usage-priced kinds (BYTE, REQUEST, SECOND, TOKEN) are charged for what a
// node really used, which is known only once it ends. So the engine reserves
// the most a node can use before its block starts (Info.Limits priced by the
// matching costs), the block reports what it uses as it goes (RunContext.Use;
// the engine measures SECOND itself), and when the node ends the engine
// keeps the actual price and gives the rest back. A kind the block declares
// no limit for is priced from the input instead, by the seed's formula
// (Cost.Calculate), and charged in full before the run.
//
// Units, and their default prices in the built-in library:
//
//	RUN      per node execution                      AgentExecutorBlock: 1 per sub-agent run
//	BYTE     per started KiB (1,024 bytes) moved     SendWebRequestBlock: 1 per KiB of response body
//	REQUEST  per outbound request, retries included  SendWebRequestBlock: 1 per request
//	SECOND   per started second of run time          WaitBlock: 1 per second
//	TOKEN    per started 1,000 tokens                AI blocks: priced per model by the registry
//	         (the AI blocks report credits, RunContext.Spend, as their price depends on the model)

// Usage is an amount of each usage-priced kind: bytes (BYTE), requests
// (REQUEST), seconds (SECOND) or tokens (TOKEN).
type Usage map[CostType]int64

// Units converts a usage of kind into the units a Cost's amount is per:
// started KiB, started 1,000 tokens, seconds and requests as they are.
func Units(kind CostType, used int64) int64 {
	if used <= 0 {
		return 0
	}
	switch kind {
	case CostByte:
		return ceilDiv(used, 1024)
	case CostToken:
		return ceilDiv(used, 1000)
	default:
		return used
	}
}

// ceilDiv is used/per rounded up, for used > 0, without the overflow of
// (used+per-1)/per near the top of int64.
func ceilDiv(used, per int64) int64 {
	q := used / per
	if used%per != 0 {
		q++
	}
	return q
}

// Credits are int64, and a price times a usage taken from user input (a
// WaitBlock's seconds, a byte count) can pass it. Wrapping would make a
// huge cost small, even 0 or negative: free. So cost arithmetic
// saturates at MaxCredits instead, a price no balance can pay (the ledger
// refuses the charge: INSUFFICIENT_CREDITS).

// MaxCredits is the saturated price: far more than any balance holds (a
// balance stays within 32 bits), yet small enough that the engine's sums
// of charges in flight (a run's spend, a user's pending charges) stay far
// from int64's limit even when thousands of them are saturated.
const MaxCredits = 1 << 50

// AddCredits is a+b for non-negative credit amounts, saturating at
// MaxCredits.
func AddCredits(a, b int64) int64 {
	if a > MaxCredits-b {
		return MaxCredits
	}
	return a + b
}

// MulCredits is a*b for non-negative amounts, saturating at MaxCredits.
func MulCredits(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > MaxCredits/b {
		return MaxCredits
	}
	return a * b
}

// SecondsUsed is a run time as SECOND usage: every started second.
func SecondsUsed(seconds float64) int64 {
	if seconds <= 0 || math.IsNaN(seconds) {
		return 0
	}
	if seconds >= MaxCredits { // converting past int64 would wrap (to MinInt64 on amd64)
		return MaxCredits
	}
	return int64(math.Ceil(seconds))
}

// Plan is what a node execution with a given input costs: Fixed, known
// before it runs (RUN, and kinds priced from the input), and the most its
// usage can cost (Limits priced), which is reserved.
type Plan struct {
	Fixed   int64
	Limits  Usage              // the most the node may use, per usage-priced kind it pays for
	Prices  map[CostType]int64 // per unit (see Units), summed over the matching costs of each kind
	Reserve int64              // the price of Limits
}

// Total is what is charged before the run: the fixed part and the reservation.
func (p Plan) Total() int64 { return AddCredits(p.Fixed, p.Reserve) }

// Price is the actual price of used (clamped to the limits: a node never
// pays more than was reserved for it).
func (p Plan) Price(used Usage) int64 {
	var total int64
	for kind, price := range p.Prices {
		total = AddCredits(total, MulCredits(price, Units(kind, min(used[kind], p.Limits[kind]))))
	}
	return total
}

// PlanCosts prices a node: costs are the block's, limits what its block
// declares (Info.Limits) for this input, defaultSeconds the run-time limit
// of a SECOND-priced block that declares none (the engine's node timeout).
func PlanCosts(costs []Cost, limits Usage, input map[string]any, defaultSeconds int64) Plan {
	p := Plan{}
	for _, c := range costs {
		if !c.Matches(input) {
			continue
		}
		if c.Type == CostRun {
			p.Fixed = AddCredits(p.Fixed, c.Amount)
			continue
		}
		limit, ok := limits[c.Type]
		if c.Type == CostSecond && !ok {
			limit, ok = defaultSeconds, true
		}
		if !ok {
			p.Fixed = AddCredits(p.Fixed, c.Calculate(input))
			continue
		}
		if p.Prices == nil {
			p.Prices, p.Limits = map[CostType]int64{}, Usage{}
		}
		p.Prices[c.Type] = AddCredits(p.Prices[c.Type], c.Amount)
		p.Limits[c.Type] = max(0, limit)
	}
	for kind, price := range p.Prices {
		p.Reserve = AddCredits(p.Reserve, MulCredits(price, Units(kind, p.Limits[kind])))
	}
	return p
}

// ErrOverLimit: a block asked to use more than was reserved for it.
type ErrOverLimit struct {
	Kind  CostType
	Limit int64
}

func (e *ErrOverLimit) Error() string {
	return fmt.Sprintf("the credits reserved for this node cover at most %d %s", e.Limit, unitName(e.Kind))
}

func unitName(k CostType) string {
	switch k {
	case CostByte:
		return "bytes"
	case CostRequest:
		return "requests"
	case CostSecond:
		return "seconds"
	case CostToken:
		return "tokens"
	}
	return string(k)
}

// Use reports usage of a usage-priced kind to the engine before (requests)
// or as (bytes) it happens; an error means the node's reservation does not
// cover it, and the block must not go on. Outside the engine it does nothing.
func (rc *RunContext) UseUnits(kind CostType, n int64) error {
	if rc == nil || rc.Use == nil || n <= 0 {
		return nil
	}
	return rc.Use(kind, n)
}
