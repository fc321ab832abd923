package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/opstream"
)

// EventSource is the process's one Redis subscription, fanned out locally.
type EventSource interface {
	SubscribeExecutionFunc(executionID string, fn func(*events.Event)) *events.Subscription
	SubscribeGraph(graphID string) *events.Subscription
	SubscribeGraphFunc(graphID string, fn func(*events.Event)) *events.Subscription
}

// quietCheck is how long a running execution's stream may stay silent
// before the subscriber re-reads Postgres: a lost event (even the final one)
// is then recovered from the snapshot instead of never arriving.
const quietCheck = 3 * time.Second

// Bounds of one stream's memory. streamBuffer events (opstream.Limit with a
// transport that drives the operation) wait for the client's operation to
// take them; a consumer further behind loses its place and gets a fresh
// snapshot instead (it would be reading stale events anyway).
// maxHeld events may arrive while a snapshot is being read; more are dropped
// for the same reason: the snapshot that follows covers them.
const (
	streamBuffer = 64
	maxHeld      = 256
)

// ExecutionEvents streams a snapshot, then every event in seq order with no
// gap and no duplicate, and completes after the terminal event. It
// subscribes to Redis before reading the snapshot, so nothing falls between.
//
// A stream owns no goroutine: events are checked and forwarded by the hub's
// reader through a callback, snapshots are read on short-lived goroutines,
// and the quiet check is a timer. With a transport that drives operations
// on demand (opstream), an idle subscription holds no goroutine at all,
// only a few hundred bytes: that is what lets one server hold tens of
// thousands of them.
func (r *subscriptionResolver) ExecutionEvents(ctx context.Context, executionID string) (<-chan *gql.ExecutionEvent, error) {
	e, err := r.ownExecution(ctx, "executionId", executionID)
	if err != nil {
		return nil, err
	}
	s := &stream{r: r.Resolver, ctx: ctx, id: e.ID,
		syncing: true, // events wait in held until the first snapshot is out
		sig:     opstream.Claim(ctx)}
	if s.sig != nil {
		// The transport delivers each value right before it reads it.
		s.out = make(chan *gql.ExecutionEvent, 1)
	} else {
		s.out = make(chan *gql.ExecutionEvent, streamBuffer)
	}
	s.quiet = time.AfterFunc(quietCheck, s.onQuiet)
	s.quiet.Stop() // armed once the first snapshot is out
	sub := r.Events.SubscribeExecutionFunc(e.ID.String(), s.onEvent)
	// The operation's context ends when the client completes the operation,
	// the connection closes, or the stream itself completed (the transport
	// then finishes the operation). gqlgen stops reading out on it too.
	context.AfterFunc(ctx, func() {
		sub.Close()
		s.quiet.Stop()
	})
	snap, terminal, err := s.read()
	if err != nil {
		sub.Close()
		return nil, err
	}
	if s.deliverSnapshot(snap, terminal) {
		go s.resync()
	}
	return s.out, nil
}

// stream is one executionEvents subscription's position. While syncing, a
// single goroutine (the one reading the snapshot) owns sending on out and
// closing it; otherwise both happen under mu, from the hub's callback.
type stream struct {
	r     *Resolver
	ctx   context.Context
	id    uuid.UUID
	out   chan *gql.ExecutionEvent
	quiet *time.Timer
	sig   *opstream.Signal // nil unless the transport drives the operation on demand

	mu      sync.Mutex
	last    int64 // seq of the last event or snapshot sent
	syncing bool  // a snapshot is being read; events wait in held
	held    []*events.Event
	again   bool // events were lost while syncing: read once more
	closed  bool // out is closed: the terminal state was sent
	// suspect is the stored seq a quiet check saw ahead of last; a second
	// check still behind it means events were lost.
	suspect int64
}

// onEvent is the hub's callback (its reader goroutine): it must not block.
// A nil event means the Redis subscription was re-established.
func (s *stream) onEvent(ev *events.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
	case ev == nil:
		s.resyncLocked()
	case s.syncing:
		if len(s.held) < maxHeld {
			s.held = append(s.held, ev)
		} else {
			s.again = true
		}
	default:
		s.applyLocked(ev)
	}
}

// applyLocked forwards the next event in sequence; an older one is a
// duplicate, a newer one means events were lost and the snapshot is read
// again, as does a consumer too slow to take it.
func (s *stream) applyLocked(ev *events.Event) {
	switch {
	case ev.Seq <= s.last:
		return
	case ev.Seq > s.last+1:
		s.resyncLocked()
		return
	}
	if !s.offer(ev) {
		s.resyncLocked()
		return
	}
	s.last = ev.Seq
	s.suspect = 0
	if ev.Terminal() {
		s.closeLocked()
		return
	}
	s.quiet.Reset(quietCheck)
}

func (s *stream) closeLocked() {
	s.closed = true
	s.quiet.Stop()
	if s.sig != nil {
		s.sig.Offer(opstream.Item{Deliver: func() bool { close(s.out); return true }, Final: true}, true)
		return
	}
	close(s.out)
}

// offer hands an event to the consumer without blocking; false means the
// consumer is too far behind. With a transport that drives the operation
// (opstream), the event is converted only if the transport needs it: the
// hub's *Event, shared by every subscriber of the run in this process, is
// the key under which one rendering serves them all.
func (s *stream) offer(ev *events.Event) bool {
	if s.sig != nil {
		return s.sig.Offer(opstream.Item{Key: ev, Deliver: func() bool { s.out <- toEvent(*ev); return true }}, false)
	}
	select {
	case s.out <- toEvent(*ev):
		return true
	default:
		return false
	}
}

// resyncLocked starts a snapshot read unless one is running, in which case
// that one reads again when it is done.
func (s *stream) resyncLocked() {
	if s.syncing {
		s.again = true
		return
	}
	s.syncing = true
	go s.resync()
}

// resync reads and sends snapshots until one was read with nothing lost
// meanwhile, then replays the events that arrived during the read.
func (s *stream) resync() {
	for {
		snap, terminal, err := s.read()
		if err != nil {
			if s.ctx.Err() == nil {
				s.r.Logger.Warn("executionEvents: snapshot read failed; ending the stream", "execution", s.id, "err", err)
				s.mu.Lock()
				s.closeLocked()
				s.mu.Unlock()
			}
			return
		}
		s.mu.Lock()
		again := s.again
		if again {
			s.again, s.held = false, nil
		}
		s.mu.Unlock()
		if !again && !s.deliverSnapshot(snap, terminal) {
			return
		}
	}
}

// deliverSnapshot sends a snapshot (waiting for room: the caller owns the
// stream while syncing), then ends the sync by replaying held events. It
// reports whether the caller must read again (events were lost while it
// waited), in which case it still owns the stream.
func (s *stream) deliverSnapshot(snap *gql.ExecutionEvent, terminal bool) bool {
	if s.sig != nil {
		s.sig.Offer(opstream.Item{Deliver: func() bool { s.out <- snap; return true }}, true)
	} else {
		select {
		case s.out <- snap:
		case <-s.ctx.Done():
			return false
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = int64(snap.Seq)
	s.suspect = 0
	if terminal {
		s.closeLocked()
		return false
	}
	if s.again {
		s.again, s.held = false, nil
		return true
	}
	held := s.held
	s.held = nil
	s.syncing = false
	for _, ev := range held {
		if s.closed || s.syncing {
			break // a new snapshot covers the rest
		}
		s.applyLocked(ev)
	}
	if !s.closed && !s.syncing {
		s.quiet.Reset(quietCheck)
	}
	return false
}

// read reads the run and its node executions in one consistent read, as a
// SNAPSHOT event; terminal says the run is over.
func (s *stream) read() (*gql.ExecutionEvent, bool, error) {
	e, nodes, err := s.r.Store.ExecutionSnapshot(s.ctx, s.id)
	if err != nil {
		return nil, false, err
	}
	ex := toExecution(e)
	ex.NodeExecutions = make([]*gql.NodeExecution, len(nodes))
	for i := range nodes {
		ex.NodeExecutions[i] = toNodeExecution(&nodes[i])
		ex.NodeExecutions[i].GraphID, ex.NodeExecutions[i].GraphVersion = ex.GraphID, ex.GraphVersion
	}
	st := gql.ExecutionStatus(e.Status)
	return &gql.ExecutionEvent{Seq: int(e.LastSeq), Kind: gql.ExecutionEventKindSnapshot, ExecutionID: ex.ID,
		GraphID: ex.GraphID, Status: &st, At: time.Now().UTC(), Execution: ex}, e.Status.IsTerminal(), nil
}

// onQuiet runs when nothing arrived for quietCheck. It re-reads the run
// when the stored sequence is ahead of what was forwarded on two checks in a
// row: an event committed but not yet published would otherwise trigger a
// needless snapshot. A terminal run is re-read at once, so the end is never
// missed. A failed read is retried at the next check.
func (s *stream) onQuiet() {
	s.mu.Lock()
	if s.closed || s.syncing {
		s.mu.Unlock()
		return // a running sync re-arms the timer when it is done
	}
	last := s.last
	s.mu.Unlock()
	e, err := s.r.Store.ExecutionGet(s.ctx, s.id)
	if s.ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.syncing {
		return
	}
	if err != nil || s.last != last { // failed, or events arrived meanwhile
		s.quiet.Reset(quietCheck)
		return
	}
	behind := e.LastSeq > s.last
	lost := s.suspect > s.last // seen stored on the previous check, still not received
	s.suspect = 0
	if behind && (lost || e.Status.IsTerminal()) {
		s.resyncLocked()
		return
	}
	if behind {
		s.suspect = e.LastSeq
	}
	s.quiet.Reset(quietCheck)
}

func toEvent(ev events.Event) *gql.ExecutionEvent {
	out := &gql.ExecutionEvent{Seq: int(ev.Seq), Kind: gql.ExecutionEventKind(ev.Kind), ExecutionID: ev.ExecutionID,
		GraphID: ev.GraphID, ValueTruncated: ev.ValueTruncated, At: ev.At}
	if ev.Status != "" {
		st := gql.ExecutionStatus(ev.Status)
		out.Status = &st
	}
	out.NodeID = strPtr(ev.NodeID)
	out.NodeExecutionID = strPtr(ev.NodeExecutionID)
	out.Pin = strPtr(ev.Pin)
	out.Error = strPtr(ev.Error)
	if len(ev.Value) > 0 {
		out.Value = gqlscalar.JSON(ev.Value)
	}
	return out
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// GraphExecutions streams the status changes of the caller's runs of a graph.
func (r *subscriptionResolver) GraphExecutions(ctx context.Context, graphID string) (<-chan *gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, err := parseID("graphId", graphID)
	if err != nil {
		return nil, err
	}
	if _, err := r.GraphService.Get(ctx, u.ID, gid, 0); err != nil {
		return nil, err
	}
	if sig := opstream.Claim(ctx); sig != nil {
		return r.graphExecutionsDriven(ctx, u.ID, gid, sig), nil
	}
	sub := r.Events.SubscribeGraph(gid.String())
	out := make(chan *gql.GraphExecution, 16)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Resync:
				// Status changes are idempotent snapshots of a run: nothing to replay.
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				if ev.Kind != events.KindGraphStatus || ev.UserID != u.ID.String() {
					continue
				}
				eid, err := uuid.Parse(ev.ExecutionID)
				if err != nil {
					continue
				}
				e, err := r.Store.ExecutionGet(ctx, eid)
				if err != nil {
					continue
				}
				select {
				case out <- toExecution(e):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// graphExecutionsDriven is GraphExecutions for a transport that drives the
// operation (opstream): no goroutine per subscription. The hub's callback
// only queues each status change of the user's runs; the run is read from
// Postgres on the transport's goroutine, one at a time and in order, so the
// last state sent is the newest. Nothing is dropped (the transport evicts a
// client that stops reading, which ends the subscription).
func (r *subscriptionResolver) graphExecutionsDriven(ctx context.Context, userID, graphID uuid.UUID, sig *opstream.Signal) <-chan *gql.GraphExecution {
	out := make(chan *gql.GraphExecution, 1)
	user := userID.String()
	sub := r.Events.SubscribeGraphFunc(graphID.String(), func(ev *events.Event) {
		if ev == nil || ev.Kind != events.KindGraphStatus || ev.UserID != user {
			return // a reconnect needs no replay: each event is the run's state
		}
		eid, err := uuid.Parse(ev.ExecutionID)
		if err != nil {
			return
		}
		sig.Offer(opstream.Item{Deliver: func() bool {
			e, err := r.Store.ExecutionGet(ctx, eid)
			if err != nil {
				return false
			}
			out <- toExecution(e)
			return true
		}}, true)
	})
	context.AfterFunc(ctx, sub.Close)
	return out
}
