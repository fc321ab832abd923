package engine

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/events"
)

// eventQueue hands committed events to the Publisher on one goroutine, in
// commit order, so each execution's events leave in sequence order. A
// failed publish is logged, not retried: subscribers see the Seq gap and
// re-read the snapshot from Postgres.
//
// An execution's events wait while live deltas made before them are still
// being sent (deltaBuffer.barrier, push's sent), so a node's deltas reach
// Redis before its stored output and its end; its later events wait
// behind them, in order. Other executions' events do not wait: one slow
// sender must not hold up every run's events.
type eventQueue struct {
	e       *Engine
	mu      sync.Mutex
	q       []events.Event
	sent    map[string][]<-chan struct{} // by execution id: sends its queued events wait for
	watched map[<-chan struct{}]bool     // sends a watcher waits for, to wake the queue
	signal  chan struct{}
}

func newEventQueue(e *Engine) *eventQueue {
	return &eventQueue{e: e, signal: make(chan struct{}, 1), sent: map[string][]<-chan struct{}{},
		watched: map[<-chan struct{}]bool{}}
}

// push queues evs; with sent (by execution id; nil: none), that
// execution's events are published once each of its channels is closed.
// They were being sent while the commit carrying evs ran, so waiting is
// rare.
func (q *eventQueue) push(evs []events.Event, sent map[string][]<-chan struct{}) {
	if q.e.pub == nil || len(evs) == 0 {
		return
	}
	q.mu.Lock()
	q.q = append(q.q, evs...)
	for id, chs := range sent {
		q.sent[id] = append(q.sent[id], chs...)
	}
	q.mu.Unlock()
	q.wake()
}

func (q *eventQueue) wake() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *eventQueue) loop(ctx context.Context) {
	for {
		select {
		case <-q.signal:
			q.publish(false)
		case <-ctx.Done():
			q.publish(true)
			return
		}
	}
}

const publishChunk = 2000

// publish publishes what is queued, but for the events of executions
// still waiting for their deltas' sends (all: none waits, the engine stops).
func (q *eventQueue) publish(all bool) {
	for {
		q.mu.Lock()
		evs := q.ready(all)
		q.mu.Unlock()
		if len(evs) == 0 {
			return
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

// ready takes the queued events that may go now, leaving the waiting ones
// queued, in order; for each send waited for, a watcher wakes the queue
// when it is done (caller holds mu).
func (q *eventQueue) ready(all bool) []events.Event {
	if len(q.sent) == 0 { // no run streams: everything goes, as without deltas
		return q.takeAll()
	}
	waiting := map[string]bool{}
	for id, chs := range q.sent {
		chs = slices.DeleteFunc(chs, func(ch <-chan struct{}) bool {
			if all || isClosed(ch) {
				delete(q.watched, ch)
				return true
			}
			return false
		})
		if len(chs) == 0 {
			delete(q.sent, id)
			continue
		}
		q.sent[id], waiting[id] = chs, true
		for _, ch := range chs {
			if !q.watched[ch] {
				q.watched[ch] = true
				go func() { <-ch; q.wake() }()
			}
		}
	}
	if len(waiting) == 0 {
		return q.takeAll()
	}
	var out, held []events.Event
	for _, ev := range q.q {
		if waiting[ev.ExecutionID] {
			held = append(held, ev)
		} else {
			out = append(out, ev)
		}
	}
	q.q = held
	return out
}

func (q *eventQueue) takeAll() []events.Event {
	evs := q.q
	q.q = nil
	return evs
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
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
		e.events.push(evs, nil)
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
