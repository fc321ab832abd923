package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// run is one graph execution held by this engine. Its fields are its
// scheduling state, guarded by mu; blocks run in the pool and call back in.
// What changed since the last commit waits apart, in pending, which only
// the run (filling it) and its writer (emptying it) touch.
type run struct {
	e       *Engine
	id      uuid.UUID
	ids     [3]string             // id, graph id, user id as event strings (formatted once)
	exec    *model.GraphExecution // as claimed (static facts: graph, user, inputs)
	g       *graph
	inputs  map[string]any
	parent  *run // the run whose AGENT node started this one
	w       *writer
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    chan struct{} // closed once the run's end is committed or it was abandoned
	timer   *time.Timer
	endOnce sync.Once

	// span is this engine's span of the run (nil without a tracer); traced:
	// it is sampled, so its block runs get spans too (trace.go).
	span   trace.Span
	traced bool
	// debug: the run's log level is DEBUG, so the engine logs each node
	// execution's start and finish (run.debugNode); one bool on the hot path.
	debug bool

	mu       sync.Mutex
	seq      int64 // last event sequence assigned
	status   model.Status
	errMsg   *string
	execs    []*nodeExec
	waiting  map[uuid.UUID][]*nodeExec // per node, executions waiting for linked pins
	static   map[uuid.UUID]map[string]any
	outputs  map[string][]json.RawMessage
	inFlight int  // promoted executions not yet ended
	nexecs   int  // node executions created or resumed (Options.MaxNodeExecutions)
	stopping bool // the run's end is decided; nothing new starts
	closed   bool // ended or abandoned
	// While stopping, blocks that were running when the end was decided
	// are let return so that each node execution records what its block
	// really did; the terminal write (finalize) waits for the last of them
	// (run.decideEnd).
	stopStatus  model.Status
	stopMsg     string
	interrupted model.Status // why running blocks were interrupted ("" = not); see run.interrupt
	stopTimer   *time.Timer
	abandoned   bool
	lastCreated time.Time
	// spentTotal is what the run holds of its user's credits: charges
	// committed or being committed, reservations included, minus what was
	// given back. A run with a budget (exec.MaxCost) starts no charge that
	// would take it past it (run.overBudget).
	spentTotal int64
	budget     *budget   // the maxCost it counts against, shared with its children (budget.go); nil: none
	lastLogged time.Time // the run's log lines get strictly increasing times (logLine)

	pending pendingWrites // the run's share of its writer's next commit (writer.go)
}

// errStopped is the cause a run's context carries once the run ended.
var errStopped = errors.New("run stopped")

// newRun builds a run whose work derives from base (carrying the run's
// span, if traced).
func newRun(e *Engine, exec *model.GraphExecution, g *graph, parent *run, base context.Context) *run {
	r := &run{e: e, id: exec.ID, exec: exec, g: g, parent: parent, w: e.writerFor(exec, g),
		done: make(chan struct{}), status: model.StatusRunning, seq: exec.LastSeq,
		waiting: map[uuid.UUID][]*nodeExec{}, static: map[uuid.UUID]map[string]any{},
		outputs: map[string][]json.RawMessage{}}
	r.pending.writtenSeq = exec.LastSeq
	r.budget = budgetFor(exec.MaxCost, parent)
	r.ids = [3]string{exec.ID.String(), exec.GraphID.String(), exec.UserID.String()}
	r.debug = exec.LogLevel == model.LogLevelDebug
	r.ctx, r.cancel = context.WithCancelCause(base)
	if span := trace.SpanFromContext(base); span.SpanContext().IsValid() {
		r.span, r.traced = span, span.IsRecording()
	}
	_ = json.Unmarshal(exec.Inputs, &r.inputs)
	if len(exec.Outputs) > 0 {
		_ = json.Unmarshal(exec.Outputs, &r.outputs)
		if r.outputs == nil {
			r.outputs = map[string][]json.RawMessage{}
		}
	}
	return r
}

// event appends an event with the next sequence number (caller holds mu).
func (r *run) event(ev events.Event) {
	r.seq++
	ev.ExecutionID, ev.GraphID, ev.UserID = r.ids[0], r.ids[1], r.ids[2]
	ev.Seq = r.seq
	ev.At = r.e.now().UTC()
	r.pending.evs = append(r.pending.evs, ev)
}

// markPending asks the run's writer to include it in the next commit.
func (r *run) markPending() {
	if !r.pending.queued && !r.closed {
		r.pending.queued = true
		r.w.enqueue(r)
	}
}

// nextCreated gives node executions strictly increasing creation times, so
// (created_at, id) orders a run's node executions as they were created.
func (r *run) nextCreated() time.Time {
	t := r.e.now().UTC().Truncate(time.Microsecond)
	if !t.After(r.lastCreated) {
		t = r.lastCreated.Add(time.Microsecond)
	}
	r.lastCreated = t
	return t
}

func (r *run) userContext() blocks.UserContext {
	uc := r.exec.UserContext
	return blocks.UserContext{Timezone: uc.Timezone, Locale: uc.Locale, Preferences: uc.Preferences}
}

// requestStop ends the run from outside (cancel, timeout, lease problems).
func (r *run) requestStop(status model.Status, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop(status, msg)
}

// abandon drops the run locally without writing anything more: its lease
// lapses (or was lost, or is being released) and whoever claims it next
// resumes it from what is committed. It reports whether the run was live.
func (r *run) abandon(reason string) bool {
	r.mu.Lock()
	// closed alone is no answer: the batch writing a run's end closes it
	// when taken (flush), and that batch may be the one refused.
	if r.abandoned || r.hasEnded() {
		r.mu.Unlock()
		return false
	}
	r.closed, r.abandoned = true, true
	r.mu.Unlock()
	r.e.log.InfoContext(r.ctx, "run abandoned locally", "execution_id", r.id, "reason", reason)
	r.cancel(errStopped)
	r.end()
	return true
}

// hasEnded reports whether end ran.
func (r *run) hasEnded() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// end releases local resources once the run is closed.
func (r *run) end() {
	r.endOnce.Do(func() {
		if r.timer != nil {
			r.timer.Stop()
		}
		if r.stopTimer != nil {
			r.stopTimer.Stop()
		}
		r.endSpan()
		r.e.forget(r)
		close(r.done)
		if f := r.e.opts.OnRunEnd; f != nil && !r.abandoned {
			f(r.id, r.status)
		}
	})
}

// loadRun rebuilds a claimed run from Postgres: node executions with their
// statuses and outputs, waiting partial inputs, static link values, graph
// outputs. Executions that were in flight are scheduled again; completed
// ones never run again.
func (e *Engine) loadRun(ctx context.Context, c *db.Claimed, parent *run, base context.Context) (*run, error) {
	g, err := e.compiled(ctx, c.Exec.GraphID, c.Exec.GraphVersion)
	if err != nil {
		return nil, err
	}
	r := newRun(e, c.Exec, g, parent, base)
	if c.WasQueued {
		// QUEUED until this claim: no node execution or waiting input can
		// exist yet (they are only written by the run's lease holder).
		return r, nil
	}
	nes, err := e.store.NodeExecutionsByExecutions(ctx, []uuid.UUID{c.Exec.ID})
	if err != nil {
		return nil, err
	}
	if parent == nil && r.budget != nil {
		if err := r.seedDescendants(ctx); err != nil {
			return nil, err
		}
	}
	pend, err := e.store.ExecutionPendingInputs(ctx, c.Exec.ID)
	if err != nil {
		return nil, err
	}
	for _, ne := range nes[c.Exec.ID] {
		n := g.nodes[ne.NodeID]
		if n == nil {
			continue
		}
		x := resumedExec(n, ne)
		r.holdResumed(x.charged)
		r.nexecs++
		if x.created.After(r.lastCreated) {
			r.lastCreated = x.created
		}
		r.execs = append(r.execs, x)
	}
	for _, p := range pend {
		n := g.nodes[p.NodeID]
		if n == nil {
			continue
		}
		x := &nodeExec{id: p.ID, n: n, phase: phaseWaiting, linked: map[string]any{}, waitStored: true, created: p.CreatedAt}
		r.nexecs++
		_ = json.Unmarshal(p.Inputs, &x.linked)
		r.waiting[n.id] = append(r.waiting[n.id], x)
	}
	// Static values: the latest value each static link's source produced.
	for _, x := range r.execs {
		for pin, raws := range x.outputs {
			for _, l := range x.n.linksFrom(pin) {
				if l.static && len(raws) > 0 {
					var v any
					_ = json.Unmarshal(raws[len(raws)-1], &v)
					if v, ok := l.value(v); ok {
						r.setStatic(l, v)
					}
				}
			}
		}
	}
	return r, nil
}

// compiled returns a graph version prepared for scheduling. Versions are
// immutable, so they are cached (bounded) instead of loaded for every run.
func (e *Engine) compiled(ctx context.Context, id uuid.UUID, version int) (*graph, error) {
	key := model.GraphKey{ID: id, Version: version}
	e.mu.Lock()
	g := e.graphs[key]
	e.mu.Unlock()
	if g != nil {
		return g, nil
	}
	// Many runs of a new version arrive together: one of them loads and
	// compiles it, the others wait for that result instead of each loading.
	v, err, _ := e.compiling.Do(key.ID.String()+"/"+strconv.Itoa(version), func() (any, error) {
		fg, err := e.store.GraphLoad(ctx, id, version)
		if err != nil {
			return nil, err
		}
		g, err := compile(fg, e.reg, e.opts.Strict)
		if err != nil {
			return nil, err
		}
		e.mu.Lock()
		if len(e.graphs) >= maxCachedGraphs {
			clear(e.graphs)
		}
		e.graphs[key] = g
		e.mu.Unlock()
		return g, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*graph), nil
}

const maxCachedGraphs = 256

func (r *run) setStatic(l *glink, v any) {
	m := r.static[l.sink.id]
	if m == nil {
		m = map[string]any{}
		r.static[l.sink.id] = m
	}
	m[l.sinkPin] = v
}

// begin registers a loaded run and sets it going: a fresh run starts its
// entry nodes, a resumed one re-schedules what was in flight.
func (e *Engine) begin(r *run, cancelRequested bool) {
	// The timer is set before the run is registered: once in e.runs, Stop
	// may end the run (end reads r.timer) on its own goroutine.
	if d := e.opts.RunTimeout; d > 0 && r.exec.StartedAt != nil {
		left := time.Until(r.exec.StartedAt.Add(d))
		r.timer = time.AfterFunc(max(left, 0), func() {
			r.requestStop(model.StatusTimeout, "run timed out after "+d.String())
		})
	}
	e.mu.Lock()
	e.runs[r.id] = r // a top-level run's slot was reserved by its claim
	e.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh := len(r.execs) == 0 && len(r.waiting) == 0
	var unhandled *nodeExec
	// Executions left open by the previous worker are in flight again before
	// anything else, so that a cancel or a failure found now ends them (and
	// refunds what they were charged) instead of leaving their rows open.
	for _, x := range r.execs {
		switch {
		case x.status.IsTerminal():
			if (x.status == model.StatusFailed || x.status == model.StatusTimeout) && len(x.n.out[blocks.ErrorPin]) == 0 && x.parent == uuid.Nil && unhandled == nil {
				unhandled = x
			}
		default:
			x.phase = phaseReady
			r.inFlight++
		}
	}
	switch {
	case cancelRequested:
		r.stop(model.StatusCancelled, "cancelled by user")
	case unhandled != nil:
		r.stopForNode(unhandled)
	case fresh:
		for _, n := range r.g.entry {
			x := r.newExec(n)
			r.promote(x)
			if r.stopping {
				break
			}
		}
	default:
		for _, x := range r.execs {
			if x.phase == phaseReady {
				r.e.pool.submit(r, x)
			}
		}
	}
	r.maybeComplete()
	r.markPending()
}
