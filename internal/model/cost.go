package model

// CostEstimate is what a run of a graph would cost (estimateGraphCost).
// Max is nil when some paid node may run any number of times.
type CostEstimate struct {
	Min    int64
	Max    *int64
	ByNode []NodeCostEstimate
}

// NodeCostEstimate is one paid node's price per execution: Amount is what
// is charged or reserved before it runs, Min its fixed part; CostType the
// kind making up most of Amount.
type NodeCostEstimate struct {
	NodeKey   string
	CostType  string
	Amount    int64
	Min       int64
	MayRepeat bool
	// PricedByLinks: a value arriving on a link can change the price,
	// which Amount prices from the node's defaults.
	PricedByLinks bool
}

// UsageLine is one group of a user's usage (me.usage).
type UsageLine struct {
	Key            string
	Credits        int64
	Runs           int64
	NodeExecutions int64
}

// MaxBalance is the most credits a balance may hold: a GraphQL Int is 32
// bits, and clients (graphql-js) refuse a larger one. Grants and
// adjustments that would pass it are refused (BAD_USER_INPUT on amount);
// a refund may still pass it (a grant made while the refunded charge was
// held), and the API shows such a balance as MaxBalance.
const MaxBalance = 1<<31 - 1
