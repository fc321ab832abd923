package engine

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/events"
)

// eventQueue hands committed events to the Publisher on one goroutine, in
// commit order, so each execution's events leave in sequence order. A
// failed publish is logged, not retried: subscribers see the Seq gap and
// re-read the snapshot from Postgres.
type eventQueue struct {
	e      *Engine
	mu     sync.Mutex
	q      []events.Event
	sent   []<-chan struct{} // to wait for before publishing q (push)
	signal chan struct{}
}

func newEventQueue(e *Engine) *eventQueue {
	return &eventQueue{e: e, signal: make(chan struct{}, 1)}
}

// push queues evs, to be published once every channel of sent is closed:
// the live deltas made before them went out first (deltaBuffer.barrier).
// They were sent while the commit that carries evs ran, so waiting is rare.
func (q *eventQueue) push(evs []events.Event, sent ...<-chan struct{}) {
	if q.e.pub == nil || len(evs) == 0 {
		return
	}
	q.mu.Lock()
	q.q = append(q.q, evs...)
	q.sent = append(q.sent, sent...)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *eventQueue) loop(ctx context.Context) {
	for {
		select {
		case <-q.signal:
			q.publish()
		case <-ctx.Done():
			q.publish()
			return
		}
	}
}

const publishChunk = 2000

func (q *eventQueue) publish() {
	for {
		q.mu.Lock()
		evs, sent := q.q, q.sent
		q.q, q.sent = nil, nil
		q.mu.Unlock()
		if len(evs) == 0 {
			return
		}
		for _, ch := range sent {
			select {
			case <-ch:
			case <-time.After(10 * time.Second): // a sender's round trip is bounded at 5 s
			}
		}
		for len(evs) > 0 {
			n := min(len(evs), publishChunk)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := q.e.pub.Publish(ctx, evs[:n]...); err != nil {
				q.e.log.Warn("publishing events", "err", err, "events", n)
			}
			cancel()
			evs = evs[n:]
		}
	}
}

// publishNow publishes events outside a group commit (Submit, Cancel of a
// queued run, a claim), after their own commit.
func (e *Engine) publishNow(ctx context.Context, evs ...events.Event) {
	if e.pub == nil {
		return
	}
	e.mu.Lock()
	queued := e.started && !e.stopping
	e.mu.Unlock()
	if queued {
		e.events.push(evs)
		return
	}
	if err := e.pub.Publish(context.WithoutCancel(ctx), evs...); err != nil {
		e.log.Warn("publishing events", "err", err)
	}
}

// endOutputs puts the run's outputs, as its final commit stores them, on
// its terminal event among evs (finalize queued it), so the API processes
// showing the run's end need not read them back (events.Event.Outputs; the
// Publisher leaves large ones out, and they are read then). The run's
// outputs change no more: nothing of the run is written after that commit.
func (r *run) endOutputs(evs []events.Event) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Terminal() {
			evs[i].Outputs, _ = json.Marshal(r.outputs)
			return
		}
	}
}
