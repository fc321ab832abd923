package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

type phase int

const (
	phaseWaiting  phase = iota // some linked pins have no value yet
	phaseReady                 // input complete: queued to run
	phaseCharging              // RUNNING, its pre-run charge is being committed
	phaseRunning               // its block runs
	phaseDone                  // terminal
)

// nodeExec is one node execution of a run (or, while waiting, the partial
// input of one).
type nodeExec struct {
	id         uuid.UUID
	idStr      string // id formatted, for events (set on first use)
	n          *gnode
	phase      phase
	status     model.Status // "" while waiting
	dbStatus   model.Status // last written status; "" = no row yet
	linked     map[string]any
	waitStored bool // its waiting-input row exists
	waitDirty  bool // in run.pending.waiting
	dirty      bool // in run.pending.nodes
	input      map[string]any
	inputJSON  json.RawMessage
	outputs    map[string][]json.RawMessage
	outputsNew bool           // outputs changed since its row was last written
	replay     map[string]int // outputs already committed before a crash, per pin
	emitted    map[string]int
	created    time.Time
	started    *time.Time
	ended      *time.Time
	errMsg     *string
	cost       int64 // pre-run cost of its input
	paid       bool
	charged    int64 // total charged so far (and kept: 0 once refunded)
	refunded   bool  // ended before its block ran: its pre-run charge is given back (run.refund)
	resumed    bool  // read back from Postgres: a previous worker may have charged it
	outSize    int64
	runTime    float64
	emitErr    error // an output that could not be stored: the node fails
	// Credentials, fetched once before the pre-run cost (a reservation
	// depends on whose key is used): creds, or credErr.
	credOnce sync.Once
	creds    map[string]blocks.Credential
	credErr  error
	plan     blocks.Plan  // its price: fixed part and usage limits (blocks.PlanCosts)
	reserved int64        // of cost: the reservation, plan.Reserve + budget
	budget   int64        // of reserved: credits for registry-priced work (blocks.Info.Reserve, RunContext.Budget)
	spent    int64        // what the block reported spending of budget (RunContext.Spend)
	used     blocks.Usage // what the block reported using of plan.Limits (RunContext.Use)
	notes    []string     // what it spent on, for the ledger
	counted  int64        // of run.spentTotal: what it holds (charged or being charged)
	deltas   *deltaBuffer
	// A child run by another node execution (a tool of an agent step,
	// tools.go): its outputs are not routed and its failure does not end
	// the run. done, while someone waits for it, closes when it ends.
	parent uuid.UUID
	done   chan struct{}
}

// errNodeTimeout is the cause of a block run's context past NodeTimeout.
var errNodeTimeout = errors.New("node timed out")

// errSecondsSpent is the cause of a SECOND-priced block run's context past
// the seconds reserved for it.
var errSecondsSpent = errors.New("reserved seconds spent")

func resumedExec(n *gnode, ne model.NodeExecution) *nodeExec {
	x := &nodeExec{id: ne.ID, n: n, phase: phaseDone, status: ne.Status, dbStatus: ne.Status, created: ne.CreatedAt,
		started: ne.StartedAt, ended: ne.EndedAt, errMsg: ne.ErrorMessage, inputJSON: ne.Inputs,
		outputs: map[string][]json.RawMessage{}, replay: map[string]int{}, emitted: map[string]int{},
		charged: ne.Stats.Cost, paid: ne.Stats.Cost > 0, resumed: true}
	if p, err := uuid.Parse(ne.Stats.ParentNodeExecutionID); err == nil {
		x.parent = p
	}
	_ = json.Unmarshal(ne.Inputs, &x.input)
	_ = json.Unmarshal(ne.Outputs, &x.outputs)
	if x.outputs == nil {
		x.outputs = map[string][]json.RawMessage{}
	}
	for pin, vs := range x.outputs {
		x.replay[pin] = len(vs)
		x.outSize += int64(sizeOf(vs))
	}
	return x
}

// newID is a time-ordered (v7) UUID: rows written together land on the
// same index pages instead of random ones (fewer pages dirtied and
// full-page images per commit).
func newID() uuid.UUID {
	if id, err := uuid.NewV7(); err == nil {
		return id
	}
	return uuid.New()
}

func sizeOf(vs []json.RawMessage) int {
	n := 0
	for _, v := range vs {
		n += len(v)
	}
	return n
}

func (r *run) newExec(n *gnode) *nodeExec {
	r.nexecs++
	return &nodeExec{id: newID(), n: n, phase: phaseWaiting, linked: map[string]any{}, created: r.nextCreated()}
}

// setStatus moves x through the state machine, recording the event. An
// illegal move is a bug: it is logged and refused, never applied.
func (r *run) setStatus(x *nodeExec, s model.Status, errMsg string) bool {
	if x.status != "" && !x.status.CanMoveTo(s) {
		r.e.log.ErrorContext(r.ctx, "illegal node status move refused", "execution_id", r.id, "node", x.n.key, "from", x.status, "to", s)
		return false
	}
	if x.status == "" && s != model.StatusQueued {
		return false
	}
	x.status = s
	now := r.e.now().UTC()
	switch {
	case s == model.StatusRunning:
		t := later(now, x.created)
		x.started = &t
	case s.IsTerminal():
		if x.started == nil {
			t := later(now, x.created)
			x.started = &t
		}
		t := later(now, *x.started)
		x.ended = &t
	}
	if errMsg != "" {
		x.errMsg = &errMsg
	}
	if x.done != nil && s.IsTerminal() {
		close(x.done) // the parent waiting for this child (tools.go)
		x.done = nil
	}
	r.pending.node(x)
	if r.debug {
		r.debugNode(x, s)
	}
	r.event(events.Event{Kind: events.KindNodeStatus, Status: string(s), NodeID: x.n.idStr,
		NodeExecutionID: x.sid(), Error: errMsg})
	return true
}

func later(t, floor time.Time) time.Time {
	if t.Before(floor) {
		return floor
	}
	return t
}

func (x *nodeExec) sid() string {
	if x.idStr == "" {
		x.idStr = x.id.String()
	}
	return x.idStr
}

// execute is a pool worker's turn on a ready node execution: mark it
// RUNNING, get its pre-run charge committed if it costs anything, then run
// its block.
// fetchCredentials decrypts, once, the user's credentials for the
// providers x's block needs (blocks.Info.ProvidersFor, else all it
// declares), for this node execution only. A block that needs a provider
// nobody has a credential for fails with a clear message when it would run.
// It runs outside the run's lock: it reads the database.
func (e *Engine) fetchCredentials(r *run, x *nodeExec) {
	providers := x.n.info.CredentialProviders
	if len(providers) == 0 {
		return
	}
	x.credOnce.Do(func() {
		if f := x.n.info.ProvidersFor; f != nil {
			providers = f(x.input)
		}
		if len(providers) == 0 {
			x.creds = map[string]blocks.Credential{}
			return
		}
		if e.opts.Credentials == nil {
			x.credErr = fmt.Errorf("block %s needs credentials (%v) but this worker has none configured", x.n.info.Name, providers)
			return
		}
		ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
		defer cancel()
		creds, err := e.opts.Credentials(ctx, r.exec.UserID, providers)
		if err != nil {
			x.credErr = err
			return
		}
		for _, p := range providers {
			if _, ok := creds[p]; !ok {
				x.credErr = fmt.Errorf("no valid %s credentials: add them on the web app's Integrations page (/credentials) or with createCredential", p)
				return
			}
		}
		x.creds = creds
	})
}

func (e *Engine) execute(r *run, x *nodeExec) {
	e.fetchCredentials(r, x)
	r.mu.Lock()
	if r.stopping || r.closed || x.phase != phaseReady || e.isDraining() {
		r.mu.Unlock()
		return
	}
	if x.status == model.StatusQueued {
		r.setStatus(x, model.StatusRunning, "")
	}
	if !x.paid {
		x.plan = e.planNode(x)
		x.cost, x.reserved, x.budget = x.plan.Total(), x.plan.Reserve, 0
		if reserve := x.n.info.Reserve; reserve != nil && x.credErr == nil {
			// A failed estimate (a prompt over the model's window) fails
			// the node when its block would run, before any call.
			if res, err := reserve(x.input, x.creds); err == nil {
				x.budget = res
				x.reserved += res
				x.cost += res
			} else {
				x.credErr = err
			}
		}
	}
	if x.cost > 0 && !x.paid {
		if r.overBudget(x) {
			r.mu.Unlock()
			return
		}
		if !r.charge(x) {
			x.phase = phaseCharging
			r.markPending()
			r.mu.Unlock()
			return
		}
	}
	x.phase = phaseRunning
	r.markPending()
	r.mu.Unlock()
	if x.n.is(blocks.TypeAgent) || x.waitsForChildren() {
		// A child run (or child node) needs pool workers itself: never
		// hold one while waiting.
		go e.runBlock(r, x)
		return
	}
	e.runBlock(r, x)
}

// runBlock runs x's block with the run's context (plus the node timeout),
// recovering a panic into a failure, and records the outcome.
func (e *Engine) runBlock(r *run, x *nodeExec) {
	e.pool.blockStarted()
	defer e.pool.blockEnded()
	ctx, cancel := r.ctx, context.CancelFunc(func() {})
	if d := e.opts.NodeTimeout; d > 0 {
		ctx, cancel = context.WithTimeoutCause(r.ctx, d, errNodeTimeout)
	}
	defer cancel()
	if secs, ok := x.plan.Limits[blocks.CostSecond]; ok {
		// A node priced per second runs no longer than it paid for.
		var cancelSecs context.CancelFunc
		ctx, cancelSecs = context.WithTimeoutCause(ctx, time.Duration(secs)*time.Second, errSecondsSpent)
		defer cancelSecs()
	}
	var span trace.Span
	if r.traced {
		// The block's context carries its span: a child run it starts
		// (AGENT) stores it as its parent.
		ctx, span = r.startNodeSpan(ctx, x)
	}
	agents := &agentRunner{e: e, r: r, x: x}
	rc := &blocks.RunContext{ExecutionID: r.ids[0], NodeID: x.n.idStr, UserID: r.ids[2],
		GraphID: r.ids[1], UserContext: r.userContext(), Agents: agents, Logger: agents,
		AllowPrivateNetwork: e.opts.AllowPrivateNetwork, Budget: x.budget,
		Tools: x.n.tools, Nodes: &nodeRunner{r: r, parent: x},
		Storage: blockStorage{store: e.store, user: r.exec.UserID, graph: r.exec.GraphID},
		Spend: func(credits int64, note string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			x.spent += max(0, credits)
			x.notes = append(x.notes, note)
		},
		Use: func(kind blocks.CostType, n int64) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			limit, priced := x.plan.Limits[kind]
			if !priced {
				return nil // a kind this node does not pay for
			}
			if x.used[kind]+n > limit {
				return &blocks.ErrOverLimit{Kind: kind, Limit: limit}
			}
			if x.used == nil {
				x.used = blocks.Usage{}
			}
			x.used[kind] += n
			return nil
		}}
	if x.n.is(blocks.TypeAI) {
		x.deltas = newDeltaBuffer(e, r, x)
		rc.Delta = x.deltas.add
	}
	emit := func(pin string, v any) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if x.deltas != nil {
			x.deltas.flush() // live text goes out before the value it ends in
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("output %q is not JSON-encodable: %w", pin, err)
		}
		var bad error
		if hasNUL(raw) {
			// Postgres jsonb refuses \u0000: storing it would fail every
			// commit of the run.
			bad = fmt.Errorf("output %q contains a NUL character (\\u0000), which cannot be stored", pin)
		} else if nestsDeeper(raw, maxOutputDepth) {
			// Stored, the value sits inside the run's own documents, and
			// decoding those (encoding/json stops at 10,000 levels, jsonb
			// at the stack's depth) would fail every commit of the run.
			bad = fmt.Errorf("output %q nests more than %d levels deep, which cannot be stored", pin, maxOutputDepth)
		} else {
			// The seed's validate_output: a pin the block does not declare,
			// or a value of the wrong type, would reach sinks that cannot
			// expect it.
			bad = x.n.outCheck.Check(pin, raw)
		}
		if bad != nil {
			// The node fails, even if its block ignores this error; the
			// value is neither stored nor routed.
			r.mu.Lock()
			if x.emitErr == nil {
				x.emitErr = bad
			}
			r.mu.Unlock()
			return bad
		}
		var sent <-chan struct{}
		if x.deltas != nil {
			sent = x.deltas.barrier()
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if x.phase != phaseRunning {
			return errStopped
		}
		if x.emitErr != nil {
			return x.emitErr // the node is failing: nothing more leaves it
		}
		r.pending.afterDeltas(sent)
		r.output(x, pin, v, raw)
		r.markPending()
		return nil
	}
	start := time.Now()
	var err error
	if len(x.n.info.CredentialProviders) > 0 {
		rc.Credentials, err = x.creds, x.credErr
	}
	if err == nil && x.n.info.Credentials != nil {
		err = e.inputCredential(ctx, r.exec.UserID, x, rc)
	}
	if err == nil {
		err = safeRun(func() error { return x.n.block.Run(ctx, rc, x.input, emit) })
	}
	if err != nil && errors.Is(context.Cause(ctx), errNodeTimeout) {
		err = errNodeTimeout
	} else if err != nil && errors.Is(context.Cause(ctx), errSecondsSpent) {
		err = fmt.Errorf("ran past the %d seconds reserved for it (SECOND)", x.plan.Limits[blocks.CostSecond])
	}
	var sent <-chan struct{}
	if x.deltas != nil {
		x.deltas.close()
		sent = x.deltas.barrier()
	}
	r.mu.Lock()
	x.runTime = time.Since(start).Seconds()
	r.pending.afterDeltas(sent) // the node's end follows its live text
	if err == nil {
		err = x.emitErr
	}
	r.finishNode(x, err)
	r.markPending()
	var end nodeOutcome
	if span != nil {
		end = nodeOutcome{status: x.status, cost: x.charged, errMsg: x.errMsg}
	}
	r.mu.Unlock()
	if span != nil {
		endNodeSpan(span, end)
	}
}

// storable makes a message safe for a text column: NUL becomes U+FFFD.
func storable(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

func safeRun(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("block panicked: %v", p)
			_ = debug.Stack
		}
	}()
	return f()
}

// output records one yielded value and routes it at once. After a resume,
// values the crashed run already committed are skipped, not routed twice.
func (r *run) output(x *nodeExec, pin string, v any, raw json.RawMessage) {
	x.emitted[pin]++
	if x.emitted[pin] <= x.replay[pin] {
		return
	}
	x.outputs[pin] = append(x.outputs[pin], raw)
	x.outSize += int64(len(raw))
	x.outputsNew = true
	r.pending.node(x)
	r.event(events.Event{Kind: events.KindNodeOutput, NodeID: x.n.idStr, NodeExecutionID: x.sid(),
		Pin: pin, Value: raw})
	if x.n.is(blocks.TypeOutput) && pin == "output" {
		name, _ := x.input["name"].(string)
		r.outputs[name] = append(r.outputs[name], raw)
		r.pending.outputs = true
	}
	if x.parent == uuid.Nil { // a child's values go back to its parent (tools.go)
		r.route(x, pin, v)
	}
}

// finishNode records a block's end. A failure is routed on the error pin;
// with nothing linked there it ends the run, naming the node. A block that
// returns after its run's end was decided records what it did, nothing more
// (finishStopped).
func (r *run) finishNode(x *nodeExec, err error) {
	if x.phase != phaseRunning || r.closed {
		return // forced to an end meanwhile (forceEnd), or the run was abandoned
	}
	x.phase = phaseDone
	r.inFlight--
	r.settle(x)
	if r.stopping {
		r.finishStopped(x, err)
		return
	}
	if err == nil {
		r.setStatus(x, model.StatusCompleted, "")
		r.nodeEnded(x, model.StatusCompleted)
		r.maybeComplete()
		return
	}
	status, msg := model.StatusFailed, storable(err.Error())
	if errors.Is(err, errNodeTimeout) {
		status, msg = model.StatusTimeout, "timed out after "+r.e.opts.NodeTimeout.String()
	}
	r.nodeEnded(x, status)
	raw, _ := json.Marshal(msg)
	r.output(x, blocks.ErrorPin, msg, raw)
	r.setStatus(x, status, msg)
	r.pending.logs = append(r.pending.logs, r.logLine("ERROR", x, fmt.Sprintf("node %s (%s): %s", x.n.name(), x.n.info.Name, msg)))
	if len(x.n.out[blocks.ErrorPin]) == 0 && x.parent == uuid.Nil {
		r.stopForNode(x)
		return
	}
	r.maybeComplete()
}

// finishStopped ends x, whose block returned after the run's end was
// decided (run.decideEnd). A block that returned nil did its work:
// COMPLETED, like any other (what it yielded is stored; nothing is routed
// any more). An error after the run interrupted its blocks is that
// interruption; before, it is the block's own failure. The last block to
// return writes the run's end.
func (r *run) finishStopped(x *nodeExec, err error) {
	status, msg := model.StatusCompleted, ""
	switch {
	case err == nil:
	case r.interrupted != "":
		status, msg = r.interruptedStatus(x), "run ended "+string(r.stopStatus)
	case errors.Is(err, errNodeTimeout):
		status, msg = model.StatusTimeout, "timed out after "+r.e.opts.NodeTimeout.String()
	default:
		status, msg = model.StatusFailed, storable(err.Error())
	}
	r.setStatus(x, status, msg)
	r.nodeEnded(x, status)
	if status == model.StatusFailed || status == model.StatusTimeout {
		r.pending.logs = append(r.pending.logs, r.logLine("ERROR", x, fmt.Sprintf("node %s (%s): %s", x.n.name(), x.n.info.Name, msg)))
	}
	if r.inFlight == 0 {
		r.cancel(errStopped)
		r.finalize(r.stopStatus, r.stopMsg)
	}
}

func (r *run) nodeEnded(x *nodeExec, status model.Status) {
	if f := r.e.opts.OnNodeEnd; f != nil {
		f(x.n.info.Name, status, x.runTime, x.charged)
	}
}

func (r *run) logLine(level string, x *nodeExec, msg string) db.LogWrite {
	// Strictly increasing times (Postgres keeps microseconds): the log is
	// read in (logged_at, id) order, and lines of one instant would come
	// back in the random order of their ids.
	t := r.e.now().UTC().Truncate(time.Microsecond)
	if !t.After(r.lastLogged) {
		t = r.lastLogged.Add(time.Microsecond)
	}
	r.lastLogged = t
	l := db.LogWrite{ExecutionID: r.id, UserID: r.exec.UserID, Level: level, Message: msg, LoggedAt: t}
	if x != nil && x.dbStatus != "" || x != nil && x.dirty {
		id, nid := x.id, x.n.id
		l.NodeExecutionID, l.NodeID = &id, &nid
	}
	return l
}

// stats is the seed's NodeExecutionStats of x.
func (x *nodeExec) stats() model.NodeExecutionStats {
	st := model.NodeExecutionStats{NodeID: x.n.idStr, BlockName: x.n.info.Name, ExecutionTime: x.runTime,
		InputSize: int64(len(x.inputJSON)), OutputSize: x.outSize, Cost: x.charged}
	if x.parent != uuid.Nil {
		st.ParentNodeExecutionID = x.parent.String()
	}
	return st
}
