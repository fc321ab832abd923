package resolvers

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
)

// EventSource is the process's one Redis subscription, fanned out locally.
type EventSource interface {
	SubscribeExecution(executionID string) *events.Subscription
	SubscribeGraph(graphID string) *events.Subscription
}

// quietCheck is how long a running execution's stream may stay silent
// before the subscriber re-reads Postgres: a lost event (even the final one)
// is then recovered from the snapshot instead of never arriving.
const quietCheck = 3 * time.Second

// ExecutionEvents streams a snapshot, then every event in seq order with no
// gap and no duplicate, and completes after the terminal event. It
// subscribes to Redis before reading the snapshot, so nothing falls between.
func (r *subscriptionResolver) ExecutionEvents(ctx context.Context, executionID string) (<-chan *gql.ExecutionEvent, error) {
	e, err := r.ownExecution(ctx, executionID)
	if err != nil {
		return nil, err
	}
	sub := r.Events.SubscribeExecution(e.ID.String())
	out := make(chan *gql.ExecutionEvent, 16)
	go func() {
		defer close(out)
		defer sub.Close()
		s := &stream{r: r.Resolver, ctx: ctx, id: e.ID, out: out}
		if done := s.snapshot(); done {
			return
		}
		quiet := time.NewTimer(quietCheck)
		defer quiet.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				if done := s.event(*ev); done {
					return
				}
			case <-sub.Resync:
				if done := s.snapshot(); done {
					return
				}
			case <-quiet.C:
				if done := s.checkQuiet(); done {
					return
				}
			}
			quiet.Reset(quietCheck)
		}
	}()
	return out, nil
}

// stream is one executionEvents subscription's position.
type stream struct {
	r    *Resolver
	ctx  context.Context
	id   uuid.UUID
	out  chan<- *gql.ExecutionEvent
	last int64
	// suspect is the stored seq a quiet check saw ahead of last; a second
	// check still behind it means events were lost.
	suspect int64
}

// snapshot reads the run and its node executions in one consistent read and
// sends them as a SNAPSHOT event; it reports whether the stream is over.
func (s *stream) snapshot() bool {
	var e *model.GraphExecution
	var nodes []model.NodeExecution
	err := pgx.BeginTxFunc(s.ctx, s.r.Store.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var err error
			if e, err = s.r.Store.ExecutionGet(s.ctx, tx, s.id); err != nil {
				return err
			}
			m, err := s.r.Store.NodeExecutionsByExecutions(s.ctx, tx, []uuid.UUID{s.id})
			nodes = m[s.id]
			return err
		})
	if err != nil {
		return true
	}
	s.last = e.LastSeq
	ex := toExecution(e)
	ex.NodeExecutions = make([]*gql.NodeExecution, len(nodes))
	for i := range nodes {
		ex.NodeExecutions[i] = toNodeExecution(&nodes[i])
		ex.NodeExecutions[i].GraphID, ex.NodeExecutions[i].GraphVersion = ex.GraphID, ex.GraphVersion
	}
	st := gql.ExecutionStatus(e.Status)
	ev := &gql.ExecutionEvent{Seq: int(e.LastSeq), Kind: gql.ExecutionEventKindSnapshot, ExecutionID: ex.ID,
		GraphID: ex.GraphID, Status: &st, At: time.Now().UTC(), Execution: ex}
	if !s.send(ev) {
		return true
	}
	return e.Status.IsTerminal()
}

// event forwards the next event in sequence; an older one is a duplicate, a
// newer one means events were lost and the snapshot is read again.
func (s *stream) event(ev events.Event) bool {
	switch {
	case ev.Seq <= s.last:
		return false
	case ev.Seq > s.last+1:
		return s.snapshot()
	}
	s.last = ev.Seq
	if !s.send(toEvent(ev)) {
		return true
	}
	return ev.Terminal()
}

// checkQuiet re-reads the run when nothing arrived for a while and the
// stored sequence is ahead of what was forwarded on two checks in a row: an
// event committed but not yet published would otherwise trigger a needless
// snapshot. A terminal run is re-read at once, so the end is never missed.
func (s *stream) checkQuiet() bool {
	e, err := s.r.Store.ExecutionGet(s.ctx, s.r.Store.Pool, s.id)
	if err != nil {
		return true
	}
	behind := e.LastSeq > s.last
	lost := s.suspect > s.last // seen stored on the previous check, still not received
	s.suspect = 0
	if behind && (lost || e.Status.IsTerminal()) {
		return s.snapshot()
	}
	if behind {
		s.suspect = e.LastSeq
	}
	return false
}

func (s *stream) send(ev *gql.ExecutionEvent) bool {
	select {
	case s.out <- ev:
		return true
	case <-s.ctx.Done():
		return false
	}
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
	gid, err := lookupID("graph", graphID)
	if err != nil {
		return nil, err
	}
	if _, err := r.GraphService.Get(ctx, u.ID, gid, 0); err != nil {
		return nil, err
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
				e, err := r.Store.ExecutionGet(ctx, r.Store.Pool, eid)
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
