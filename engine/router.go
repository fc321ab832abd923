package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// route sends one yielded value along every link from its pin, as AutoGPT
// does: the value fills the earliest waiting execution of the sink that
// lacks that pin (or a new one); an execution whose linked pins all hold a
// value runs. A static link also remembers the value for every later run of
// the sink and completes the executions already waiting for it.
func (r *run) route(src *nodeExec, pin string, v any) {
	links := src.n.linksFrom(pin)
	if n := len(links); n > 8 {
		r.pending.grow(n)
	}
	whole := v
	for _, l := range links {
		if r.stopping {
			return
		}
		v, ok := l.value(whole)
		if !ok {
			continue
		}
		if l.static {
			r.setStatic(l, v)
		}
		var x *nodeExec
		for _, w := range r.waiting[l.sink.id] {
			if _, has := w.linked[l.sinkPin]; !has {
				x = w
				break
			}
		}
		if x == nil {
			if limit := r.e.opts.MaxNodeExecutions; r.nexecs >= limit {
				r.stop(model.StatusFailed, fmt.Sprintf("the run exceeded %d node executions (node %q kept yielding on %q)",
					limit, src.n.key, pin))
				return
			}
			x = r.newExec(l.sink)
			r.waiting[l.sink.id] = append(r.waiting[l.sink.id], x)
		}
		x.linked[l.sinkPin] = v
		r.tryPromote(x)
		if l.static {
			for _, w := range slices.Clone(r.waiting[l.sink.id]) {
				if _, has := w.linked[l.sinkPin]; !has {
					w.linked[l.sinkPin] = v
					r.tryPromote(w)
				}
			}
		}
	}
}

// tryPromote fills x's missing static pins from the remembered values and
// promotes it when every linked pin holds a value; otherwise its partial
// input is stored so a resumed run finds it.
func (r *run) tryPromote(x *nodeExec) {
	for _, p := range x.n.static {
		if _, has := x.linked[p]; !has {
			if v, ok := r.static[x.n.id][p]; ok {
				x.linked[p] = v
			}
		}
	}
	for _, p := range x.n.linked {
		if _, has := x.linked[p]; !has {
			r.pending.waitingInput(x)
			return
		}
	}
	r.promote(x)
}

// promote turns a complete input into a QUEUED node execution: defaults
// merged under the linked values, the run's input fed to an input block,
// dynamic pins merged, the result validated against the block's schema (a
// failure fails the node). It then runs now, or after the commit that
// records it when its block may not run on uncommitted inputs
// (mayRunSpeculatively).
func (r *run) promote(x *nodeExec) {
	if ws := r.waiting[x.n.id]; len(ws) > 0 {
		if i := slices.Index(ws, x); i >= 0 {
			r.waiting[x.n.id] = slices.Delete(ws, i, i+1)
		}
	}
	if x.waitStored {
		r.pending.inputsDone = append(r.pending.inputsDone, x.id)
	}
	input := make(map[string]any, len(x.n.defaults)+len(x.linked)+1)
	for k, v := range x.n.defaults {
		input[k] = v
	}
	for k, v := range x.linked {
		input[k] = v
	}
	if x.n.is(blocks.TypeInput) {
		if name, ok := input["name"].(string); ok {
			// null is an input not given (graph.checkInputs): the
			// node's own value stands, if it has one.
			if v, ok := r.inputs[name]; ok && v != nil {
				input["value"] = v
			}
		}
	}
	// A webhook delivery's payload is its run's input under the key of the
	// node whose URL it reached (only in runs a webhook started: a manual
	// run's input of that name is not a delivery).
	if x.n.is(blocks.TypeWebhook) && r.exec.Trigger.Kind == model.TriggerWebhook {
		if v, ok := r.inputs[x.n.key]; ok {
			input["payload"] = v
		}
	}
	merged, err := blocks.MergeDynamicPins(input)
	if err != nil {
		merged = input
	}
	x.input = merged
	x.inputJSON, _ = json.Marshal(merged)
	x.outputs, x.replay, x.emitted = map[string][]json.RawMessage{}, map[string]int{}, map[string]int{}
	x.linked = nil
	x.phase = phaseReady
	r.execs = append(r.execs, x)
	r.inFlight++
	r.setStatus(x, model.StatusQueued, "")
	if err == nil {
		err = r.e.reg.Validate(x.n.blockID, merged)
	}
	if err != nil {
		r.setStatus(x, model.StatusRunning, "")
		x.phase = phaseRunning
		r.finishNode(x, err)
		return
	}
	if x.n.speculative {
		r.e.pool.submit(r, x)
	} else {
		r.pending.afterCommit = append(r.pending.afterCommit, x)
	}
}

// stopForNode ends the run because x failed with nothing on its error pin.
func (r *run) stopForNode(x *nodeExec) {
	msg := ""
	if x.errMsg != nil {
		msg = *x.errMsg
	}
	status := model.StatusFailed
	verb := "failed"
	if x.status == model.StatusTimeout {
		status, verb = model.StatusTimeout, "timed out"
	}
	r.fail(status, "node "+x.n.name()+" ("+x.n.info.Name+") "+verb+": "+msg)
}

// stop ends the run from outside (a cancel, the run's timeout, a limit):
// its running blocks are interrupted at once. See decideEnd.
func (r *run) stop(status model.Status, msg string) { r.decideEnd(status, msg, true) }

// fail ends the run because of a node (a failure or a node timeout nothing
// handles, a charge the balance does not cover): blocks already running are
// let finish for up to finishGrace before they are interrupted. They were
// started, and paid for: what they do is the user's, and a request they
// were sending is completed rather than torn. See decideEnd.
func (r *run) fail(status model.Status, msg string) { r.decideEnd(status, msg, false) }

// decideEnd decides the run's end with status. Nothing new starts. Node
// executions whose block has not started end now (CANCELLED; RUNNING ones
// TIMEOUT when the run timed out) and give back what they were charged
// (refund). A node whose block is running stays RUNNING until the block
// returns, and finishStopped records what it did: a block that returned nil
// is COMPLETED, whatever ended the run. The last one to return writes the
// run's end (finalize). A decided end is not changed by a later one, but a
// later cancel or timeout still interrupts the blocks being let finish.
func (r *run) decideEnd(status model.Status, msg string, interrupt bool) {
	if r.closed {
		return
	}
	if r.stopping {
		if interrupt {
			r.interrupt(status)
		}
		return
	}
	r.stopping = true
	r.stopStatus, r.stopMsg = status, msg
	running := 0
	for _, x := range r.execs {
		switch x.phase {
		case phaseReady, phaseCharging:
			r.refund(x)
			x.phase = phaseDone
			s := model.StatusCancelled
			if status == model.StatusTimeout && x.status == model.StatusRunning {
				s = model.StatusTimeout
			}
			r.setStatus(x, s, "run ended "+string(status))
		case phaseRunning:
			running++
		}
	}
	r.inFlight = running
	switch {
	case running == 0:
		r.cancel(errStopped)
		r.finalize(status, msg)
	case interrupt:
		r.interrupt(status)
	default:
		r.stopTimer = time.AfterFunc(finishGrace, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.interrupt(model.StatusCancelled)
		})
	}
}

// finishGrace is how long blocks already running may finish once a node's
// failure decided their run's end (run.fail).
const finishGrace = 5 * time.Second

// stopGrace is how long interrupted blocks have to return. Blocks are
// written to return promptly once their context is cancelled; one that
// does not is not waited for forever (forceEnd).
const stopGrace = 10 * time.Second

// interrupt cancels the context of the stopping run's running blocks, with
// status the reason (CANCELLED, or TIMEOUT for the run's timeout), and
// bounds the wait for them.
func (r *run) interrupt(status model.Status) {
	if r.interrupted != "" || r.closed || r.status.IsTerminal() {
		return
	}
	r.interrupted = status
	r.cancel(errStopped)
	if r.stopTimer != nil {
		r.stopTimer.Stop()
	}
	r.stopTimer = time.AfterFunc(stopGrace, r.forceEnd)
}

// interruptedStatus is the status of x, whose block was interrupted by the
// run's end: CANCELLED, or TIMEOUT when the run timed out.
func (r *run) interruptedStatus(x *nodeExec) model.Status {
	if r.interrupted == model.StatusTimeout && x.status == model.StatusRunning {
		return model.StatusTimeout
	}
	return model.StatusCancelled
}

// forceEnd writes the run's end although some interrupted blocks did not
// return within stopGrace: their node executions end as interrupted. Their
// blocks did start, so what they were charged is kept.
func (r *run) forceEnd() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.status.IsTerminal() {
		return
	}
	for _, x := range r.execs {
		if x.phase == phaseRunning {
			x.phase = phaseDone
			r.setStatus(x, r.interruptedStatus(x), "run ended "+string(r.stopStatus)+"; its block did not stop within "+stopGrace.String())
		}
	}
	r.inFlight = 0
	r.finalize(r.stopStatus, r.stopMsg)
}

// refund gives back what x was charged before its block ran, as x ends
// without its block having run. Two ways were possible: charge a node only
// once its block starts, or refund it when it ends without starting. The
// first cannot be made exact: a charge must be committed before the block
// may start (the balance may not cover it, and a block's effects cannot be
// taken back), so between that commit and the start there is always a
// window in which the run may end. So the charge stays where it is and a
// node that never started is refunded, in the writer's batch that ends it
// (db.Refund): no commit shows it ended and still charged. A pre-run charge
// not yet handed to the writer is simply dropped; one being committed right
// now is refunded in the next batch, which is the one writing x's end (a
// run's batches are committed in order, and the next one is taken only
// after this one's charges are answered). A node resumed after a crash may
// have been charged by the previous worker: it is refunded too unless some
// output of it was committed (its block then did run, there).
func (r *run) refund(x *nodeExec) {
	if len(x.replay) > 0 {
		return
	}
	dropped := false
	r.pending.charges = slices.DeleteFunc(r.pending.charges, func(c *pendingCharge) bool {
		if c.x == x && c.pre {
			dropped = true
			r.e.credits.dropped(r.exec.UserID, c.amount)
			return true
		}
		return false
	})
	// Only a node that may hold a charge costs a statement: paid, charged by
	// a previous worker, or with its charge being committed now.
	mayBeCharged := x.paid || x.resumed || x.phase == phaseCharging && !dropped
	r.hold(-x.counted)
	x.refunded, x.charged, x.paid, x.counted = true, 0, false, 0
	if mayBeCharged {
		r.pending.refunds = append(r.pending.refunds, x)
	}
}

// maybeComplete ends the run COMPLETED once nothing is left to run.
// Executions still waiting for pins that never came are dropped.
func (r *run) maybeComplete() {
	if !r.stopping && !r.closed && r.inFlight == 0 {
		r.stopping = true
		r.finalize(model.StatusCompleted, "")
	}
}

func (r *run) finalize(status model.Status, msg string) {
	r.status = status
	if msg != "" {
		r.errMsg = &msg
	}
	r.event(events.Event{Kind: events.KindGraphStatus, Status: string(status), Error: msg})
	level := "INFO"
	if status != model.StatusCompleted {
		level = "ERROR"
	}
	line := "execution " + string(status)
	if msg != "" {
		line += ": " + msg
	}
	r.pending.logs = append(r.pending.logs, r.logLine(level, nil, line))
	r.pending.final = true
	r.markPending()
}

// computeStats is the run's stats at its end (model.ExecutionStats says
// what each count means).
func (r *run) computeStats() model.ExecutionStats {
	s := model.ExecutionStats{TotalNodes: len(r.g.nodes), NodeExecutions: len(r.execs)}
	type outcome struct{ completed, failed bool }
	nodes := make(map[*gnode]outcome, len(r.g.nodes))
	for _, x := range r.execs {
		o := nodes[x.n]
		switch x.status {
		case model.StatusCompleted:
			s.CompletedNodeExecutions++
			o.completed = true
		case model.StatusFailed, model.StatusTimeout:
			s.FailedNodeExecutions++
			o.failed = true
		case model.StatusCancelled:
			s.CancelledNodeExecutions++
		}
		nodes[x.n] = o
		s.TotalCost += x.charged
	}
	for n, o := range nodes {
		if r.g.nodes[n.id] != n {
			continue // a node no longer in the graph (a stub of failClaimed)
		}
		switch {
		case o.failed:
			s.FailedNodes++
		case o.completed:
			s.CompletedNodes++
		}
	}
	if r.exec.StartedAt != nil {
		s.ExecutionTime = r.e.now().Sub(*r.exec.StartedAt).Seconds()
	}
	return s
}
