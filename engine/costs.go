package engine

import (
	"maps"
	"math"
	"strings"

	"github.com/google/uuid"

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
	return blocks.PlanCosts(e.nodeCosts(x.n), e.nodeLimits(x.n, x.input), x.input, e.secondsLimit())
}

// nodeCosts are the cost rules of n's block: the operator's, if set
// (setBlockCosts), else the block's own.
func (e *Engine) nodeCosts(n *gnode) []blocks.Cost {
	if e.opts.Costs != nil {
		return e.opts.Costs.For(n.info.ID, n.info.Costs)
	}
	return n.info.Costs
}

// nodeLimits is what n's block declares it may use with this input.
func (e *Engine) nodeLimits(n *gnode, input map[string]any) blocks.Usage {
	if f := n.info.Limits; f != nil {
		return f(input)
	}
	return nil
}

func (e *Engine) secondsLimit() int64 {
	if d := e.opts.NodeTimeout; d > 0 {
		return int64(math.Ceil(d.Seconds()))
	}
	return defaultSecondsLimit
}

// overBudget counts x's pre-run charge against the run's budget
// (exec.MaxCost, or its parent's: budget.go). When the committed and
// reserved spend of the run and the runs sharing its budget plus this
// charge would pass it, x fails and the run ends FAILED, saying so; its
// nodes not yet run are refunded as the run ends (run.refund), and its
// running nodes settle what they used, so the run keeps no more than its
// budget. Caller holds r.mu; x is RUNNING, in phaseReady.
func (r *run) overBudget(x *nodeExec) bool {
	if b := r.budget; b != nil {
		ok, left := b.take(x.cost)
		if ok {
			r.spentTotal += x.cost
			x.counted += x.cost
			return false
		}
		whose := "its maxCost "
		if r.parent != nil {
			whose = "the maxCost it shares with the run that started it, "
		}
		msg := "budget exceeded: node " + x.n.name() + " (" + x.n.info.Name + ") needs " + itoa(x.cost) +
			" credits and the run has " + itoa(left) + " of " + whose + itoa(b.limit) + " left"
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

// charge queues x's pre-run charge and reports whether x may run at once,
// its charge riding the commit that carries x's own writes (upfront), or
// must wait for a commit answering it (the charging phase).
//
// Upfront is for the common case, a fixed price on a block whose whole
// effect is its outputs (mayRunSpeculatively), in a top-level run of a
// graph whose every block is such (graph.pure: taking the run again after a
// refusal then repeats nothing outside it — no model call, no request),
// while the user's balance last seen by this worker covers it and every
// charge still pending (creditHints). It is safe for the same
// reason speculative execution is: x's status and outputs become durable
// only together with, or after, its charge, so no commit ever shows work
// that was not paid for; a refused upfront charge rolls its whole batch
// back (db.ChargeRefusedError) and the run is taken again from its last
// commit (Engine.retake), where x, re-run, waits for its answer. A node
// with a reservation (usage-priced, or a budget for registry-priced work)
// or credentials, one resumed after a crash (a previous worker may have
// charged it), and a child run's node wait as before.
// Caller holds r.mu.
func (r *run) charge(x *nodeExec) (upfront bool) {
	upfront = r.e.credits.take(r.exec.UserID, x.cost) && r.g.pure && x.reserved == 0 &&
		len(x.plan.Limits) == 0 && r.parent == nil && x.parent == uuid.Nil && !x.resumed
	r.pending.charges = append(r.pending.charges, &pendingCharge{x: x, amount: x.cost, pre: true, upfront: upfront})
	if upfront {
		x.paid = true
		x.charged += x.cost
	}
	return upfront
}

// settle ends x's reservation as x ends: the actual price of what it used
// (its fixed part, its usage priced by its costs — run time for SECOND —
// and what its block spent of its budget) stays charged; the rest is given
// back as a REFUND of its one charge, in the batch that writes x's end (so
// no commit shows x ended with its reservation still held). A node uses
// no more than it reserved (blocks check before each use, RunContext.Use
// refuses more, a SECOND-priced node is stopped at its seconds), so
// nothing is ever charged after the fact: one charge per node execution,
// at most one refund.
func (r *run) settle(x *nodeExec) {
	if x.reserved <= 0 || !x.paid || x.refunded {
		return
	}
	used := x.used
	if _, ok := x.plan.Limits[blocks.CostSecond]; ok {
		used = maps.Clone(used)
		if used == nil {
			used = blocks.Usage{}
		}
		used[blocks.CostSecond] = blocks.SecondsUsed(x.runTime)
	}
	usage := x.plan.Price(used)
	spent := min(x.spent, x.budget)
	back := min(x.reserved-usage-spent, x.charged)
	note := "node " + x.n.key + " (" + x.n.info.Name + "): used " + itoa(usage+spent) + " of " + itoa(x.reserved) +
		" credits reserved, " + itoa(back) + " released" + usageNote(x.plan, used)
	if len(x.notes) > 0 {
		note += "; " + strings.Join(x.notes, "; ")
	}
	if back > 0 { // all of it used: the charge stands as it is
		r.pending.settles = append(r.pending.settles, pendingSettle{x: x, amount: back, note: note})
		r.hold(-back)
		x.counted -= back
	}
	x.charged -= max(back, 0)
	x.reserved = 0
}

// usageNote names what a node used of each kind it pays for, for the ledger.
func usageNote(p blocks.Plan, used blocks.Usage) string {
	s := ""
	for _, k := range blocks.CostTypes {
		if limit, ok := p.Limits[k]; ok {
			s += "; " + string(k) + " " + itoa(min(used[k], limit)) + " of " + itoa(limit)
		}
	}
	return s
}
