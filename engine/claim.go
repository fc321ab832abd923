package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// claimLoop takes runnable runs while this engine has room: at once when
// notified (a local Submit, a NOTIFY from another process, a run ending),
// else every PollInterval — which is also how runs of dead workers are
// found once their lease expired.
func (e *Engine) claimLoop() {
	t := time.NewTicker(e.opts.PollInterval)
	defer t.Stop()
	for {
		if e.ctx.Err() != nil || e.isDraining() {
			return
		}
		free := e.reserveSlots()
		if free > 0 {
			claimed, err := e.store.ExecutionClaim(e.ctx, e.opts.Owner, e.leaseSeconds(), free, e.opts.MaxRunsPerUser)
			if err != nil && e.ctx.Err() == nil {
				e.log.Warn("claiming runs", "err", err)
			}
			e.endClaim(free - len(claimed))
			for i := range claimed {
				c := claimed[i]
				go func() {
					if _, err := e.startClaimed(e.ctx, &c, nil); err != nil {
						e.unreserve(1)
					}
				}()
			}
			if err == nil && len(claimed) == free {
				continue
			}
			if err == nil {
				e.queueDrained.Store(true)
			}
		}
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		case <-t.C:
			e.queueDrained.Store(false)
		}
	}
}

// reserveSlots counts the free top-level run slots as taken.
func (e *Engine) reserveSlots() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	free := e.opts.MaxRuns - e.topRuns
	if free < 0 {
		free = 0
	}
	e.topRuns += free
	e.claiming = free > 0
	return free
}

// endClaim returns a claim's unused slots and wakes local submits that
// waited for them (reserveLocal).
func (e *Engine) endClaim(unused int) {
	e.mu.Lock()
	e.topRuns -= max(unused, 0)
	e.claiming = false
	e.claimDone.Broadcast()
	e.mu.Unlock()
}

func (e *Engine) reserve() {
	e.mu.Lock()
	e.topRuns++
	e.mu.Unlock()
}

func (e *Engine) unreserve(n int) {
	if n <= 0 {
		return
	}
	e.mu.Lock()
	e.topRuns -= n
	e.mu.Unlock()
}

// MaxResumes is how many takeovers of one run (from a dead or failing
// worker) are tried before it ends FAILED.
const MaxResumes = 5

// errHeldHere: the claimed run is already held (or being started) here.
var errHeldHere = errors.New("engine: run already held by this engine")

// startOnce marks id as being started unless this engine holds it already.
func (e *Engine) startOnce(id uuid.UUID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.runs[id] != nil || e.starting[id] {
		return false
	}
	e.starting[id] = true
	return true
}

// startDone ends startOnce's mark, once the run is in e.runs (or failed).
func (e *Engine) startDone(id uuid.UUID) {
	e.mu.Lock()
	delete(e.starting, id)
	e.mu.Unlock()
}

// startClaimed publishes the claim's RUNNING event, loads the run and sets
// it going. A graph that no longer compiles ends the run FAILED.
func (e *Engine) startClaimed(ctx context.Context, c *db.Claimed, parent *run) (*run, error) {
	if !e.startOnce(c.Exec.ID) {
		return nil, errHeldHere
	}
	defer e.startDone(c.Exec.ID)
	if f := e.opts.OnRunStart; f != nil {
		f(c.Exec.ID, !c.WasQueued)
	}
	if c.WasQueued {
		e.publishNow(ctx, events.Event{ExecutionID: c.Exec.ID.String(), GraphID: c.Exec.GraphID.String(),
			UserID: c.Exec.UserID.String(), Seq: c.Exec.LastSeq, Kind: events.KindGraphStatus,
			Status: string(model.StatusRunning), At: e.now().UTC()})
	}
	base, span := e.startRunSpan(c)
	if c.Resumes > MaxResumes {
		// Taken over again and again: whatever kills its workers or refuses
		// its writes will happen again. End it instead of looping forever.
		return e.failClaimed(ctx, c, parent, base, fmt.Sprintf(
			"the run was taken over %d times from workers that stopped or could not store it; giving up (see the workers' logs)", c.Resumes))
	}
	r, err := e.loadRun(ctx, c, parent, base)
	if err != nil {
		var inputErr *model.InputError
		if !errors.As(err, &inputErr) {
			e.log.ErrorContext(base, "loading run; it resumes after its lease expires", "execution_id", c.Exec.ID, "err", err)
			failSpan(span, err)
			return nil, err
		}
		return e.failClaimed(ctx, c, parent, base, err.Error())
	}
	e.begin(r, c.CancelRequested)
	return r, nil
}

// failClaimed ends a claimed run FAILED without running anything. It must
// not go through begin: with no nodes to start, begin would complete it.
// Node executions a previous worker left open end with it (CANCELLED, and
// refunded unless they yielded something: run.refund); when the graph
// cannot be loaded they are named by their node ids.
func (e *Engine) failClaimed(ctx context.Context, c *db.Claimed, parent *run, base context.Context, msg string) (*run, error) {
	g, err := e.compiled(ctx, c.Exec.GraphID, c.Exec.GraphVersion)
	if err != nil {
		g = &graph{nodes: map[uuid.UUID]*gnode{}}
	}
	r := newRun(e, c.Exec, g, parent, base)
	if !c.WasQueued {
		nes, err := e.store.NodeExecutionsByExecutions(ctx, []uuid.UUID{c.Exec.ID})
		if err != nil {
			e.log.ErrorContext(base, "loading a run to fail it; it resumes after its lease expires", "execution_id", c.Exec.ID, "err", err)
			failSpan(r.span, err)
			return nil, err
		}
		for _, ne := range nes[c.Exec.ID] {
			if ne.Status.IsTerminal() {
				continue
			}
			n := g.nodes[ne.NodeID]
			if n == nil {
				n = &gnode{id: ne.NodeID, idStr: ne.NodeID.String(), key: ne.NodeID.String(), info: &blocks.Info{Name: ne.Stats.BlockName}}
			}
			x := resumedExec(n, ne)
			x.phase = phaseReady
			r.execs = append(r.execs, x)
			r.inFlight++
		}
	}
	e.mu.Lock()
	e.runs[r.id] = r
	e.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop(model.StatusFailed, msg)
	r.markPending()
	return r, nil
}

// heartbeatLoop extends the leases of held runs. A run whose lease is gone
// (taken over after a stall) stops locally without writing; a run flagged
// for cancellation by another process is cancelled.
func (e *Engine) heartbeatLoop() {
	t := time.NewTicker(e.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		e.heartbeat()
	}
}

func (e *Engine) heartbeat() {
	e.mu.Lock()
	ids := make([]uuid.UUID, 0, len(e.runs))
	for id := range e.runs {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	states, err := e.store.ExecutionHeartbeat(e.ctx, e.opts.Owner, e.leaseSeconds(), ids)
	if err != nil {
		if e.ctx.Err() == nil {
			e.log.Warn("heartbeat", "err", err)
		}
		return
	}
	held := make(map[uuid.UUID]bool, len(states))
	for _, s := range states {
		held[s.ID] = true
		if s.CancelRequested {
			if r := e.heldRun(s.ID); r != nil {
				r.requestStop(model.StatusCancelled, "cancelled by user")
			}
		}
	}
	for _, id := range ids {
		if !held[id] {
			if r := e.heldRun(id); r != nil {
				r.mu.Lock()
				closing := r.closed
				r.mu.Unlock()
				if !closing {
					r.abandon("lease lost")
				}
			}
		}
	}
}

// listenLoop follows NOTIFY: new runs wake the claimer at once; cancel
// requests reach the worker holding the run without waiting for a heartbeat.
func (e *Engine) listenLoop() {
	for e.ctx.Err() == nil {
		if err := e.listen(); err != nil && e.ctx.Err() == nil {
			e.log.Warn("listening for notifications", "err", err)
			select {
			case <-e.ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (e *Engine) listen() error {
	l, err := e.store.Listen(e.ctx, db.ChannelExecutionQueued, db.ChannelExecutionCancel)
	if err != nil {
		return err
	}
	defer l.Close()
	e.wakeClaimer() // anything queued while we were not listening
	for {
		channel, payload, err := l.Wait(e.ctx)
		if err != nil {
			return err
		}
		switch channel {
		case db.ChannelExecutionQueued:
			e.wakeClaimer()
		case db.ChannelExecutionCancel:
			if id, err := uuid.Parse(payload); err == nil {
				if r := e.heldRun(id); r != nil {
					go r.requestStop(model.StatusCancelled, "cancelled by user")
				}
			}
		}
	}
}

// retake runs again, from its last commit, a top-level run this worker
// abandoned while still holding its lease (an upfront charge refused:
// writer.commit), instead of leaving it stalled until the lease expires.
// If it cannot (stopping, or the claim fails), the lease's expiry hands
// the run to whichever worker claims it next, as after a crash.
func (e *Engine) retake(id uuid.UUID) {
	if !e.running() || e.isDraining() {
		return
	}
	go func() {
		if _, err := e.takeByID(e.ctx, id, false); err != nil {
			e.log.Warn("taking a run again after a refused charge; it resumes when its lease expires", "execution_id", id, "err", err)
		}
	}()
}

// takeByID claims one top-level run by id (with requireExpired, only if
// no other worker holds a live lease on it) and sets it going here,
// counted like a claimed run until it ends.
func (e *Engine) takeByID(ctx context.Context, id uuid.UUID, requireExpired bool) (*run, error) {
	c, err := e.store.ExecutionClaimByID(ctx, e.opts.Owner, e.leaseSeconds(), id, requireExpired)
	if err != nil {
		return nil, err
	}
	e.reserve()
	r, err := e.startClaimed(ctx, c, nil)
	if err != nil {
		e.unreserve(1)
	}
	return r, err
}
