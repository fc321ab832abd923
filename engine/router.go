package engine

import (
	"encoding/json"
	"fmt"
	"slices"

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
	if n := len(src.n.out[pin]); n > 8 {
		r.pending.grow(n)
	}
	for _, l := range src.n.out[pin] {
		if r.stopping {
			return
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
			if v, ok := r.inputs[name]; ok {
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
	r.stop(status, "node "+x.n.name()+" ("+x.n.info.Name+") "+verb+": "+msg)
}

// stop ends the run with status: running blocks are cancelled through their
// context, open node executions end (RUNNING ones TIMEOUT on a timeout,
// everything else CANCELLED), and the terminal write is queued.
func (r *run) stop(status model.Status, msg string) {
	if r.stopping || r.closed {
		return
	}
	r.stopping = true
	r.cancel(errStopped)
	nodeStatus := model.StatusCancelled
	if status == model.StatusTimeout {
		nodeStatus = model.StatusTimeout
	}
	reason := "run ended " + string(status)
	for _, x := range r.execs {
		switch x.phase {
		case phaseReady, phaseCharging, phaseRunning:
			s := nodeStatus
			if x.status == model.StatusQueued {
				s = model.StatusCancelled
			}
			x.phase = phaseDone
			r.setStatus(x, s, reason)
		}
	}
	r.inFlight = 0
	r.finalize(status, msg)
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

func (r *run) computeStats() model.ExecutionStats {
	s := model.ExecutionStats{}
	for _, x := range r.execs {
		s.TotalNodes++
		switch x.status {
		case model.StatusCompleted:
			s.CompletedNodes++
		case model.StatusFailed, model.StatusTimeout:
			s.FailedNodes++
		}
		s.TotalCost += x.charged
	}
	if r.exec.StartedAt != nil {
		s.ExecutionTime = r.e.now().Sub(*r.exec.StartedAt).Seconds()
	}
	return s
}
