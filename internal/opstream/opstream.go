// Package opstream lets a subscription resolver drive its operation instead
// of having the transport park a goroutine on the resolver's channel.
//
// gqlgen pulls subscription results: the transport calls the operation's
// response handler, which blocks on the channel the resolver returned. With
// tens of thousands of idle subscriptions those parked goroutines are most
// of the server's memory. A resolver that claims the operation's Signal
// hands each value to Offer instead of sending it: the transport runs a
// goroutine only while values are waiting, and puts each value on the
// channel (Item.Deliver) right before it calls the handler for it. Because
// the transport sees a value before gqlgen renders it, it can also reuse the
// rendering of an identical operation for the same value (Item.Key), which
// is what a run followed by many subscribers costs most. Transports without
// support put no Signal in the context, and resolvers send as before.
package opstream

import (
	"context"
	"sync"
)

// Item is one value offered to the transport.
type Item struct {
	// Key identifies the value across subscriptions of this process: two
	// operations with the same query and variables render the same result
	// for the same key, so one rendering may serve both. nil: never shared.
	// The key must stay reachable while the transport may cache it (a
	// pointer to the shared value is right; a recycled id is not).
	Key any
	// Deliver puts the value on the resolver's channel (or closes it) and
	// reports whether it did; false means there is nothing to render after
	// all (the transport moves on). The transport calls it right before the
	// response handler, one item at a time and in order, so the channel never
	// needs more than one slot, and Deliver may do slow work (a read) that
	// must not run on the resolver's event source. A value the transport
	// rendered from its cache is never delivered.
	Deliver func() bool
	// Final marks the channel's close: the operation ends after it.
	Final bool
}

// Limit is how many items may wait for the transport; beyond it Offer
// refuses (the resolver then treats the consumer as too slow).
const Limit = 64

// Signal queues the items of one operation and runs the transport's drain
// whenever some are waiting and none is running.
type Signal struct {
	mu      sync.Mutex
	claimed bool
	queue   []Item
	running bool
	drain   func(items []Item) // set by Start
}

type key struct{}

// With returns ctx carrying s for the resolver of the operation run with it.
func With(ctx context.Context, s *Signal) context.Context {
	return context.WithValue(ctx, key{}, s)
}

// Claim returns the operation's Signal, or nil when the transport does not
// offer one. By claiming it the caller promises to hand every value, and
// the channel's close, to Offer rather than to the channel.
func Claim(ctx context.Context) *Signal {
	s, _ := ctx.Value(key{}).(*Signal)
	if s != nil {
		s.mu.Lock()
		s.claimed = true
		s.mu.Unlock()
	}
	return s
}

// Claimed reports whether a resolver claimed s.
func (s *Signal) Claimed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claimed
}

// Start installs the transport's drain; items offered before are handed to
// it at once. drain runs on a goroutine of its own, one call at a time, with
// the items in the order they were offered.
func (s *Signal) Start(drain func(items []Item)) {
	s.mu.Lock()
	s.drain = drain
	s.kickLocked()
	s.mu.Unlock()
}

// Offer queues it. It never blocks, so it may be called under the
// resolver's own locks. Unless force is set it refuses (false) when Limit
// items are already waiting; force is for what must not be dropped (a
// snapshot, the close).
func (s *Signal) Offer(it Item, force bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !force && len(s.queue) >= Limit {
		return false
	}
	s.queue = append(s.queue, it)
	s.kickLocked()
	return true
}

func (s *Signal) kickLocked() {
	if s.running || s.drain == nil || len(s.queue) == 0 {
		return
	}
	s.running = true
	go s.loop()
}

// loop runs the drain until nothing is waiting. One loop at a time keeps
// the items in order.
func (s *Signal) loop() {
	for {
		s.mu.Lock()
		items := s.queue
		s.queue = nil
		if len(items) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		drain := s.drain
		s.mu.Unlock()
		drain(items)
	}
}
