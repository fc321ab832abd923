package engine

import (
	"math"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// defaultSecondsLimit is the run time reserved for a SECOND-priced block
// that declares no limit (blocks.Info.Limits) when there is no node
// timeout either: it is stopped there, having paid for no more.
const defaultSecondsLimit = 300

// planNode prices x from its block's costs (Options.Costs, or the code's)
// and the usage limits its block declares for its input.
func (e *Engine) planNode(x *nodeExec) blocks.Plan {
	costs := x.n.info.Costs
	if e.opts.Costs != nil {
		costs = e.opts.Costs.For(x.n.info.ID, costs)
	}
	var limits blocks.Usage
	if f := x.n.info.Limits; f != nil {
		limits = f(x.input)
	}
	return blocks.PlanCosts(costs, limits, x.input, e.secondsLimit())
}

func (e *Engine) secondsLimit() int64 {
	if d := e.opts.NodeTimeout; d > 0 {
		return int64(math.Ceil(d.Seconds()))
	}
	return defaultSecondsLimit
}

// overBudget counts x's pre-run charge against the run's budget
// (exec.MaxCost). When the run's committed and reserved spend plus this
// charge would pass it, x fails and the run ends FAILED, saying so; its
// nodes not yet run are refunded as the run ends (run.refund), and its
// running nodes settle what they used, so the run keeps no more than its
// budget. Caller holds r.mu; x is RUNNING, in phaseReady.
func (r *run) overBudget(x *nodeExec) bool {
	if limit := r.exec.MaxCost; limit != nil && r.spentTotal+x.cost > *limit {
		msg := "budget exceeded: node " + x.n.name() + " (" + x.n.info.Name + ") needs " + itoa(x.cost) +
			" credits and the run has " + itoa(max(0, *limit-r.spentTotal)) + " of its maxCost " + itoa(*limit) + " left"
		x.phase = phaseDone
		r.inFlight--
		r.setStatus(x, model.StatusFailed, msg)
		r.fail(model.StatusFailed, msg)
		r.markPending()
		return true
	}
	r.spentTotal += x.cost
	x.counted += x.cost
	return false
}
