package events

import (
	"sync"
	"sync/atomic"
)

// Subscription receives the events of one execution or one graph, either
// on its channels (Hub.SubscribeExecution, Hub.SubscribeGraph) or through a
// callback (Hub.SubscribeExecutionFunc).
//
// C is closed by Close and by Hub.Stop. Resync (capacity 1, never closed)
// fires when events may have been missed: this subscription's buffer was full
// and an event was dropped, or the hub's Redis connection was re-established.
// On Resync the consumer re-reads the snapshot from Postgres and continues,
// skipping events whose Seq the snapshot already covers.
//
// Every subscriber of a message receives the same *Event (decoded once):
// treat it as read-only. Pointers keep an idle subscription's buffer at 8
// bytes a slot instead of a whole Event, which is most of its memory.
type Subscription struct {
	C      <-chan *Event
	Resync <-chan struct{}

	hub     *Hub
	channel string
	c       chan *Event
	resync  chan struct{}
	fn      func(*Event) // callback mode: c and resync are nil

	// mu orders delivery against Close, so the reader never sends on a
	// closed channel; it is held only for a non-blocking send.
	mu     sync.Mutex
	closed bool
}

func newSubscription(h *Hub, channel string, buffer int) *Subscription {
	s := &Subscription{
		hub:     h,
		channel: channel,
		c:       make(chan *Event, buffer),
		resync:  make(chan struct{}, 1),
	}
	s.C, s.Resync = s.c, s.resync
	return s
}

// Close unsubscribes and closes C. It is idempotent and safe to call
// concurrently with delivery and with Hub.Stop.
func (s *Subscription) Close() {
	if s.hub != nil {
		s.hub.remove(s)
	}
	s.close()
}

func (s *Subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		if s.c != nil {
			close(s.c)
		}
	}
}

// deliver hands ev over without ever blocking the hub's reader: if the buffer
// is full the event is dropped for this subscriber only and Resync is raised.
// The counter is bumped before the event becomes visible, so metrics never
// lag behind what subscribers have seen.
func (s *Subscription) deliver(ev *Event, delivered, dropped *atomic.Uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.fn != nil {
		delivered.Add(1)
		s.fn(ev)
		return
	}
	if len(s.c) == cap(s.c) {
		dropped.Add(1)
		s.signalResync()
		return
	}
	delivered.Add(1)
	s.c <- ev // cannot block: there is room, and deliver (under s.mu) is the only sender
}

// resync tells the subscriber that events may have been missed.
func (s *Subscription) resyncNow() {
	if s.fn == nil {
		s.signalResync()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.fn(nil)
	}
}

// signalResync raises Resync; one pending signal is enough, since a single
// snapshot re-read covers any number of missed events.
func (s *Subscription) signalResync() {
	select {
	case s.resync <- struct{}{}:
	default:
	}
}
