// Package opstream lets a subscription resolver drive its operation instead
// of having the transport park a goroutine on the resolver's channel.
//
// gqlgen pulls subscription results: the transport calls the operation's
// response handler, which blocks on the channel the resolver returned. With
// tens of thousands of idle subscriptions those parked goroutines are most
// of the server's memory. A resolver that claims the operation's Signal
// promises to call Ready after every value it sends on its channel and
// after closing it; the transport then only runs a goroutine while values
// are waiting (wstransport). Transports without support put no Signal in
// the context, and resolvers behave as before.
package opstream

import (
	"context"
	"sync"
)

// Signal counts the values a resolver made available and runs the
// transport's drain whenever some are waiting and none is running.
type Signal struct {
	mu      sync.Mutex
	claimed bool
	pending int
	running bool
	drain   func(n int) // set by Start; handles n values, then returns
}

type key struct{}

// With returns ctx carrying s for the resolver of the operation run with it.
func With(ctx context.Context, s *Signal) context.Context {
	return context.WithValue(ctx, key{}, s)
}

// Claim returns the operation's Signal, or nil when the transport does not
// offer one. By claiming it the caller promises to call Ready once after
// every send on the channel it returns, and once after closing it.
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

// Start installs the transport's drain; values signalled before are handed
// to it at once. drain runs on a goroutine of its own and handles exactly n
// values (n calls of the response handler, none of which then blocks).
func (s *Signal) Start(drain func(n int)) {
	s.mu.Lock()
	s.drain = drain
	s.kickLocked()
	s.mu.Unlock()
}

// Ready says one more value (or the channel's close) is waiting. It never
// blocks, so it may be called under the resolver's own locks.
func (s *Signal) Ready() {
	s.mu.Lock()
	s.pending++
	s.kickLocked()
	s.mu.Unlock()
}

func (s *Signal) kickLocked() {
	if s.running || s.drain == nil || s.pending == 0 {
		return
	}
	s.running = true
	go s.loop()
}

// loop runs the drain until nothing is pending. One loop at a time keeps
// the values in channel order.
func (s *Signal) loop() {
	for {
		s.mu.Lock()
		n := s.pending
		s.pending = 0
		if n == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		drain := s.drain
		s.mu.Unlock()
		drain(n)
	}
}
