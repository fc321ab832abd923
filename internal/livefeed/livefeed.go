// Package livefeed is the one adapter between live streams
// (internal/livestream: domain values in order) and GraphQL subscription
// operations: it turns a stream into the channel a gqlgen subscription
// resolver returns, and converts each value with the resolver's mapping
// only when it is about to be rendered.
//
// Under the websocket transport the operation is driven on demand
// (wstransport.Driver): each value becomes a Frame the transport delivers
// right before it renders it, so an idle subscription parks no goroutine,
// and an event is offered under the hub's *events.Event and the viewer, so
// subscribers of one run who see the same thing share one rendering. Under
// other transports (a subscription over HTTP answers one result) the feed
// drains a Driver of its own: a goroutine runs only while values wait for
// the executor to take them.
package livefeed

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// Viewer is who watches a stream. Renderings are shared only between
// subscriptions of the same viewer, so two viewers never receive each
// other's bytes, even where what a field shows depends on who asks.
type Viewer string

// User is the viewer signed in as a user.
func User(id uuid.UUID) Viewer { return Viewer("user:" + id.String()) }

// ShareToken is the viewer of a shared run, who holds only its share token.
func ShareToken(token string) Viewer { return Viewer("share:" + token) }

// Run streams run id as seen by viewer: the snapshot mapped by snapshot,
// then each event mapped by event, and the channel's close after the run's
// end. allow (livestream.Streams.RunIf) decides on the run as first read
// whether viewer may follow it. The error is the first snapshot's (the run
// cannot be read) or allow's.
func Run[T any](ctx context.Context, streams *livestream.Streams, id uuid.UUID, viewer Viewer,
	allow func(*model.GraphExecution) error, snapshot func(*model.ExecutionSnapshot) T, event func(*events.Event) T) (<-chan T, error) {
	f := &runFeed[T]{feed: open[T](ctx), viewer: string(viewer), snapshot: snapshot, event: event}
	if err := streams.RunIf(ctx, id, allow, f); err != nil {
		f.release()
		return nil, err
	}
	return f.out, nil
}

// Graph streams the status changes of userID's runs of graph graphID, each
// run read when it is delivered and mapped by run.
func Graph[T any](ctx context.Context, streams *livestream.Streams, graphID, userID uuid.UUID,
	run func(*model.GraphExecution) T) <-chan T {
	f := &graphFeed[T]{feed: open[T](ctx), run: run}
	streams.Graph(ctx, graphID, userID, f)
	return f.out
}

// feed is the channel an operation reads and the Driver that fills it.
type feed[T any] struct {
	ctx    context.Context
	d      *wstransport.Driver
	driven bool // d is the transport's
	out    chan T
}

func open[T any](ctx context.Context) feed[T] {
	// One slot: a value is put on the channel right before it is read.
	f := feed[T]{ctx: ctx, out: make(chan T, 1), d: wstransport.TakeDriver(ctx)}
	if f.d != nil {
		f.driven = true
		return f
	}
	f.d = &wstransport.Driver{}
	f.d.Start(deliverAll)
	return f
}

// deliverAll drains a Driver when no transport does: Deliver waits for the
// executor to take each value.
func deliverAll(frames []wstransport.Frame) {
	for _, fr := range frames {
		fr.Deliver()
	}
}

// release hands the operation back to the transport when the stream could
// not be opened: the transport then reads the resolver's error as usual.
func (f *feed[T]) release() {
	if f.driven {
		f.d.Release()
	}
}

// send puts v on the channel; false when the operation is over.
func (f *feed[T]) send(v T) bool {
	select {
	case f.out <- v:
		return true
	case <-f.ctx.Done():
		return false
	}
}

// end closes the channel after the values offered before.
func (f *feed[T]) end() {
	f.d.Offer(wstransport.Frame{Deliver: func() bool { close(f.out); return true }, Final: true}, 0)
}

// runFeed is a livestream.RunSink.
type runFeed[T any] struct {
	feed[T]
	viewer   string
	snapshot func(*model.ExecutionSnapshot) T
	event    func(*events.Event) T
}

// Frames carry their mapped value too (Frame.Value), so the transport may
// render them without the executor.
func (f *runFeed[T]) Snapshot(snap *model.ExecutionSnapshot) {
	f.d.Offer(wstransport.Frame{Deliver: func() bool { return f.send(f.snapshot(snap)) },
		Value: func() any { return f.snapshot(snap) }}, 0)
}

func (f *runFeed[T]) Event(ev *events.Event) bool {
	return f.d.Offer(wstransport.Frame{Key: ev, Viewer: f.viewer,
		Deliver: func() bool { return f.send(f.event(ev)) },
		Value:   func() any { return f.event(ev) }}, livestream.Buffer)
}

func (f *runFeed[T]) End() { f.end() }

// graphFeed is a livestream.GraphSink.
type graphFeed[T any] struct {
	feed[T]
	run func(*model.GraphExecution) T
	// sent is the status last sent of each run not yet ended. A change is
	// read when it is delivered, so two changes can read one state: the
	// QUEUED event of a run claimed at once reads RUNNING, and so does the
	// claim's RUNNING event after it. The second is not sent again: the
	// stream is of status changes. Deliveries run one at a time; mu keeps
	// that an assumption no race can break.
	mu   sync.Mutex
	sent map[uuid.UUID]model.Status
}

// Changed never refuses: a client that stops reading is evicted by the
// transport, which ends the subscription.
func (f *graphFeed[T]) Changed(c livestream.RunChange) {
	f.d.Offer(wstransport.Frame{Deliver: func() bool {
		e, err := c.Read(f.ctx)
		if err != nil || !f.changed(e) {
			return false
		}
		return f.send(f.run(e))
	}}, 0)
}

// changed reports whether e's status differs from the one last sent of
// it, and records it.
func (f *graphFeed[T]) changed(e *model.GraphExecution) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if last, ok := f.sent[e.ID]; ok && last == e.Status {
		return false
	}
	// Ended runs are kept too: a change delivered late may read the end
	// already sent. An entry is a few bytes per run of the graph while
	// the subscription lasts.
	if f.sent == nil {
		f.sent = map[uuid.UUID]model.Status{}
	}
	f.sent[e.ID] = e.Status
	return true
}
