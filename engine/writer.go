package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// writer is a group-commit writer. Runs with changes queue themselves; the
// writer takes every queued run, gathers their pending changes (node
// executions, waiting inputs, outputs, sequence advances, charges, logs)
// into one transaction of multi-row statements, commits, and only then
// publishes their events, starts the nodes that had to wait for the commit
// and answers charges. While one commit is in flight the next batch
// accumulates, so batches grow with load and an idle writer commits at
// once. A run always goes to the same writer, whose commits are ordered:
// whatever a run writes is committed after everything it wrote before —
// the invariant that makes speculative execution safe (mayRunSpeculatively).
type writer struct {
	e      *Engine
	mu     sync.Mutex
	queue  []*run
	signal chan struct{}
	flush  chan chan struct{}
	quit   chan struct{}
	once   sync.Once
}

// pendingWrites is what one run changed since its writer last took its
// changes: the content of the run's share of the next commit. The run fills
// it under its lock while it schedules; the writer empties it into a batch
// part (run.flush). Nothing in it is visible outside the engine before that
// commit: its events are published, and its afterCommit nodes started, only
// once it is durable.
type pendingWrites struct {
	queued      bool           // the run is in its writer's queue
	nodes       []*nodeExec    // node executions whose row changed (nodeExec.dirty)
	waiting     []*nodeExec    // partial inputs to store (nodeExec.waitDirty)
	inputsDone  []uuid.UUID    // stored partial inputs that became node executions
	outputs     bool           // the run's graph outputs changed
	final       bool           // the run ended: write its terminal status, release its lease
	evs         []events.Event // the events these writes carry, in sequence order
	charges     []*pendingCharge
	refunds     []*nodeExec     // ended before their block ran (run.refund); written with their end
	settles     []pendingSettle // reservations ended (run.settle); written with the node's end
	logs        []db.LogWrite
	afterCommit []*nodeExec // QUEUED nodes that may start only once this commit is durable (mayRunSpeculatively)
	// deltasSent are closed once the live deltas made before these events
	// were sent (deltaBuffer.barrier): the events are published after.
	deltasSent []<-chan struct{}
	// writtenSeq is the last event sequence handed to the writer: the
	// prev_seq the next write of the run is fenced on.
	writtenSeq int64
}

// node records that x's row must be written (its latest state, once).
func (pw *pendingWrites) node(x *nodeExec) {
	if !x.dirty {
		x.dirty = true
		pw.nodes = append(pw.nodes, x)
	}
}

// waitingInput records that x's partial input must be stored.
func (pw *pendingWrites) waitingInput(x *nodeExec) {
	if !x.waitDirty {
		x.waitDirty = true
		pw.waiting = append(pw.waiting, x)
	}
}

// grow makes room for n more node rows and 2n events at once: a wide
// fan-out queues a status event and a row per sink, and growing once beats
// doubling (and copying) repeatedly.
func (pw *pendingWrites) grow(n int) {
	pw.evs = slices.Grow(pw.evs, 2*n)
	pw.nodes = slices.Grow(pw.nodes, n)
}

// pendingCharge is a charge waiting for its commit; pre: before the block runs.
type pendingCharge struct {
	x      *nodeExec
	amount int64
	pre    bool
	// upfront: x runs without waiting for this charge's answer, which
	// commits with (or before) x's own writes (run.charge).
	upfront bool
}

// pendingSettle gives back the unused part of a node's reservation.
type pendingSettle struct {
	x      *nodeExec
	amount int64
	note   string
}

// part is one run's share of a batch.
type part struct {
	r        *run
	run      db.RunWrite
	nodes    []db.NodeExecutionWrite
	inputs   []db.PendingInputWrite
	done     []uuid.UUID
	clear    bool
	charges  []*pendingCharge
	refunds  []*nodeExec
	settles  []pendingSettle
	logs     []db.LogWrite
	evs      []events.Event
	sent     []<-chan struct{} // pendingWrites.deltasSent
	dispatch []*nodeExec
	final    bool
}

func newWriter(e *Engine) *writer {
	return &writer{e: e, signal: make(chan struct{}, 1), flush: make(chan chan struct{}), quit: make(chan struct{})}
}

func (w *writer) enqueue(r *run) {
	w.mu.Lock()
	w.queue = append(w.queue, r)
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *writer) loop() {
	for {
		select {
		case <-w.signal:
			w.drain()
		case ack := <-w.flush:
			w.drain()
			close(ack)
		case <-w.quit:
			w.drain()
			return
		}
	}
}

// flushNow commits what is pending and returns when it is done.
func (w *writer) flushNow() {
	ack := make(chan struct{})
	select {
	case w.flush <- ack:
		<-ack
	case <-w.quit:
	}
}

func (w *writer) close() { w.once.Do(func() { close(w.quit) }) }

func (w *writer) drain() {
	for {
		w.mu.Lock()
		runs := w.queue
		w.queue = nil
		w.mu.Unlock()
		if len(runs) == 0 {
			return
		}
		parts := make([]*part, 0, len(runs))
		for _, r := range runs {
			if p := r.flush(); p != nil {
				parts = append(parts, p)
			}
		}
		w.commit(parts)
	}
}

func (w *writer) commit(parts []*part) {
	e := w.e
	retries := 0
	for len(parts) > 0 {
		// Sized once: a wide fan-out's commit carries thousands of rows, and
		// growing these slices row by row was a tenth of the engine's CPU in
		// the fan-out scenario (growslice and its copies).
		nodes, logs, nevs := 0, 0, 0
		for _, p := range parts {
			nodes += len(p.nodes)
			logs += len(p.logs)
			nevs += len(p.evs)
		}
		b := &db.ExecutionBatch{Owner: e.opts.Owner, LeaseSeconds: e.leaseSeconds(),
			Runs: make([]db.RunWrite, 0, len(parts)), Nodes: make([]db.NodeExecutionWrite, 0, nodes)}
		if logs > 0 {
			b.Logs = make([]db.LogWrite, 0, logs)
		}
		var charges []db.Charge
		for _, p := range parts {
			b.Runs = append(b.Runs, p.run)
			b.Nodes = append(b.Nodes, p.nodes...)
			b.Inputs = append(b.Inputs, p.inputs...)
			b.InputsDone = append(b.InputsDone, p.done...)
			if p.clear {
				b.InputsClear = append(b.InputsClear, p.r.id)
			}
			for _, c := range p.charges {
				charges = append(charges, db.Charge{UserID: p.r.exec.UserID, Amount: c.amount,
					ReferenceID: chargeRef(c), Description: chargeDescription(c),
					GraphExecutionID: p.r.id, GraphID: p.r.exec.GraphID, BlockID: c.x.n.blockUID, Upfront: c.upfront})
			}
			for _, x := range p.refunds {
				b.Refunds = append(b.Refunds, db.Refund{UserID: p.r.exec.UserID, ReferenceID: x.id.String(),
					Description: "node " + x.n.key + " (" + x.n.info.Name + ") did not run: its run ended first"})
			}
			for _, st := range p.settles {
				amount := st.amount
				b.Refunds = append(b.Refunds, db.Refund{UserID: p.r.exec.UserID, ReferenceID: st.x.id.String(),
					Amount: &amount, Description: st.note})
			}
			b.Logs = append(b.Logs, p.logs...)
		}
		b.Charges = charges
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		results, err := e.store.ExecutionApplyBatch(ctx, b)
		cancel()
		var lost *db.LeaseLostError
		if errors.As(err, &lost) {
			parts = without(parts, lost.Runs, func(p *part) {
				p.uncount()
				p.r.abandon("lease lost to another worker")
			})
			continue
		}
		var refused *db.ChargeRefusedError
		if errors.As(err, &refused) {
			// Charged upfront on a balance that was no longer there: those
			// runs go back to their last commit and run again from it
			// (retake), their nodes now waiting for their charges' answers;
			// the rest of the batch is written without them.
			parts = without(parts, refused.Runs, func(p *part) {
				for _, c := range p.charges {
					e.credits.answered(p.r.exec.UserID, c.amount, false, 0)
				}
				if p.r.abandon("an upfront charge was refused: taken again from its last commit") {
					e.retake(p.r.id)
				}
			})
			continue
		}
		if err != nil && transient(err) && retries < 3 {
			// Nothing was written; the same batch is simply tried again.
			retries++
			e.log.Warn("group commit conflict; retrying", "err", err, "attempt", retries)
			continue
		}
		if err != nil {
			e.log.Error("group commit failed; its runs resume from the last commit", "err", err, "runs", len(parts))
			for _, p := range parts {
				p.uncount()
				p.r.abandon("write failed: " + err.Error())
			}
			return
		}
		evs := make([]events.Event, 0, nevs)  // parts are this iteration's: counted above
		var sent map[string][]<-chan struct{} // made only when a run streams
		for _, p := range parts {
			evs = append(evs, p.evs...)
			if len(p.sent) > 0 {
				if sent == nil {
					sent = map[string][]<-chan struct{}{}
				}
				sent[p.r.ids[0]] = append(sent[p.r.ids[0]], p.sent...)
			}
		}
		e.events.push(evs, sent)
		off := 0
		for _, p := range parts {
			p.r.committed(p, results[off:off+len(p.charges)])
			off += len(p.charges)
		}
		return
	}
}

// without drops the parts of the runs named from a batch that was rolled
// back, calling drop on each, and returns the rest (to be written again).
func without(parts []*part, runs []uuid.UUID, drop func(*part)) []*part {
	return slices.DeleteFunc(parts, func(p *part) bool {
		if slices.Contains(runs, p.r.id) {
			drop(p)
			return true
		}
		return false
	})
}

// transient: a deadlock or serialization failure, after which the whole
// transaction was rolled back and may simply be retried.
func transient(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// uncount forgets p's charges in the balance hints: they will not be
// committed.
func (p *part) uncount() {
	for _, c := range p.charges {
		p.r.e.credits.dropped(p.r.exec.UserID, c.amount)
	}
}

func chargeRef(c *pendingCharge) string {
	if c.pre {
		return c.x.id.String()
	}
	return c.x.id.String() + ":seconds"
}

func chargeDescription(c *pendingCharge) string {
	if c.pre && c.x.reserved > 0 {
		return "node " + c.x.n.key + " (" + c.x.n.info.Name + "), " + itoa(c.x.reserved) + " credits of it reserved for usage"
	}
	if c.pre {
		return "node " + c.x.n.key + " (" + c.x.n.info.Name + ")"
	}
	return "node " + c.x.n.key + " (" + c.x.n.info.Name + ") run time"
}

// flush moves the run's pending writes into a batch part (caller: writer).
func (r *run) flush() *part {
	r.mu.Lock()
	defer r.mu.Unlock()
	pw := &r.pending
	pw.queued = false
	if r.closed {
		for _, c := range pw.charges {
			r.e.credits.dropped(r.exec.UserID, c.amount)
		}
		pw.charges = nil
		return nil
	}
	p := &part{r: r}
	for _, x := range pw.nodes {
		x.dirty = false
		p.nodes = append(p.nodes, x.write(r.id))
	}
	pw.nodes = pw.nodes[:0]
	for _, x := range pw.waiting {
		x.waitDirty = false
		if x.phase != phaseWaiting {
			continue
		}
		raw, _ := json.Marshal(x.linked)
		p.inputs = append(p.inputs, db.PendingInputWrite{ID: x.id, GraphExecutionID: r.id, NodeID: x.n.id,
			Inputs: raw, CreatedAt: x.created})
		x.waitStored = true
	}
	pw.waiting = pw.waiting[:0]
	p.done, pw.inputsDone = pw.inputsDone, nil
	p.charges, pw.charges = pw.charges, nil
	p.refunds, pw.refunds = pw.refunds, nil
	p.settles, pw.settles = pw.settles, nil
	p.logs, pw.logs = pw.logs, nil
	p.evs, pw.evs = pw.evs, nil
	if len(p.evs) > 0 && !pw.final {
		// The next commit's events are likely as many: room for them at
		// once, rather than growing (and copying) the slice event by event.
		pw.evs = make([]events.Event, 0, len(p.evs))
	}
	p.sent, pw.deltasSent = pw.deltasSent, nil
	p.dispatch, pw.afterCommit = pw.afterCommit, nil
	p.run = db.RunWrite{ID: r.id, PrevSeq: pw.writtenSeq, LastSeq: r.seq}
	if pw.outputs {
		p.run.Outputs, _ = json.Marshal(r.outputs)
		pw.outputs = false
	}
	if pw.final {
		r.endOutputs(p.evs)
		stats := r.computeStats()
		p.run.PrevStatus, p.run.Status = model.StatusRunning, r.status
		p.run.ErrorMessage, p.run.Stats, p.run.Release = r.errMsg, &stats, true
		p.final, p.clear = true, true
		pw.final = false
		r.closed = true
	}
	if len(p.nodes) == 0 && len(p.inputs) == 0 && len(p.done) == 0 && len(p.charges) == 0 && len(p.refunds) == 0 && len(p.settles) == 0 && len(p.logs) == 0 &&
		len(p.evs) == 0 && len(p.dispatch) == 0 && p.run.Outputs == nil && !p.final {
		return nil
	}
	pw.writtenSeq = r.seq
	return p
}

// afterDeltas has the next commit's events published once sent is closed
// (nil: nothing to wait for).
func (pw *pendingWrites) afterDeltas(sent <-chan struct{}) {
	if sent != nil {
		pw.deltasSent = append(pw.deltasSent, sent)
	}
}

// write is x's latest state as a row write; it becomes the last written state.
func (x *nodeExec) write(runID uuid.UUID) db.NodeExecutionWrite {
	w := db.NodeExecutionWrite{Insert: x.dbStatus == "", ID: x.id, GraphExecutionID: runID, NodeID: x.n.id,
		PrevStatus: x.dbStatus, Status: x.status, CreatedAt: x.created, StartedAt: x.started, EndedAt: x.ended,
		ErrorMessage: x.errMsg}
	if w.Insert {
		w.Inputs = x.inputJSON
	}
	if w.Insert || x.outputsNew {
		w.Outputs, _ = json.Marshal(x.outputs)
		x.outputsNew = false
	}
	if x.status.IsTerminal() {
		st := x.stats()
		w.Stats = &st
	}
	x.dbStatus = x.status
	return w
}

// committed runs after the commit holding p: nodes that waited for it start,
// charges are answered, a finished run ends.
func (r *run) committed(p *part, results []db.ChargeResult) {
	r.mu.Lock()
	for i, c := range p.charges {
		var res db.ChargeResult
		if i < len(results) {
			res = results[i]
		}
		r.e.credits.answered(r.exec.UserID, c.amount, res.Paid, res.BalanceAfter)
		if !c.upfront { // an upfront one is counted already, and paid: refused, its batch rolled back
			r.charged(c, res.Paid)
		}
	}
	if !r.stopping && !r.e.isDraining() {
		for _, x := range p.dispatch {
			if x.phase == phaseReady {
				r.e.pool.submit(r, x)
			}
		}
	}
	if len(r.pending.nodes) > 0 || len(r.pending.evs) > 0 || r.pending.final && !r.closed {
		r.markPending()
	}
	r.mu.Unlock()
	if p.final {
		r.end()
	}
}

// charged applies a committed charge's answer. An unpaid charge stops the
// run FAILED with a message saying which node could not be paid for.
func (r *run) charged(c *pendingCharge, paid bool) {
	x := c.x
	if paid && x.refunded {
		// Ended before its block ran while this charge was being committed:
		// the batch writing its end refunds it (run.refund).
		return
	}
	if paid {
		x.charged += c.amount
		if c.pre {
			x.paid = true
			if x.phase == phaseCharging && !r.stopping {
				x.phase = phaseReady
				r.e.pool.submit(r, x)
			}
		} else if !r.closed {
			r.pending.node(x)
		}
		return
	}
	if c.pre {
		r.hold(-c.amount) // never held
		x.counted -= c.amount
	}
	if r.stopping || r.closed {
		return
	}
	msg := "insufficient credits: node " + x.n.name() + " (" + x.n.info.Name + ") costs " + itoa(c.amount) +
		" and the balance does not cover it"
	if c.pre && x.phase == phaseCharging {
		x.phase = phaseDone
		r.inFlight--
		r.setStatus(x, model.StatusFailed, msg)
	}
	r.fail(model.StatusFailed, msg)
}
