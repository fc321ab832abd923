package events

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"
)

// connect opens a new Redis subscription and waits for Redis to confirm it.
// Until the confirmation arrives Redis may not yet route messages to us, so
// nothing counts as subscribed before it. The PubSub is made current first,
// so that Stop can close it even while we wait.
func (h *Hub) connect(ctx context.Context) (*redis.PubSub, error) {
	ps := h.rdb.PSubscribe(ctx) // no pattern yet: the call below reports errors, this one would not
	h.psMu.Lock()
	if h.isStopping() {
		h.psMu.Unlock()
		_ = ps.Close()
		return nil, ErrHubStopped
	}
	h.ps = ps
	h.psMu.Unlock()

	if err := ps.PSubscribe(ctx, h.pattern); err != nil {
		h.release(ps)
		return nil, err
	}
	for {
		msg, err := ps.ReceiveTimeout(ctx, h.opts.HealthCheck)
		if err != nil {
			h.release(ps)
			return nil, err
		}
		if sub, ok := msg.(*redis.Subscription); ok && sub.Kind == "psubscribe" {
			return ps, nil
		}
	}
}

// install declares the confirmed subscription live unless the hub is
// stopping, and registers spawn goroutines with Stop's wait group under the
// same lock, so Stop either waits for them or they never start.
func (h *Hub) install(ps *redis.PubSub, spawn int) bool {
	h.psMu.Lock()
	defer h.psMu.Unlock()
	if h.isStopping() {
		_ = ps.Close()
		return false
	}
	h.wg.Add(spawn)
	h.onSubscribed()
	return true
}

// onSubscribed runs on every confirmed subscription: the first one (Start),
// go-redis's transparent reconnects, and our own. Anything published while we
// were not subscribed is gone, so every existing subscriber must resync.
func (h *Hub) onSubscribed() {
	if n := h.subscribed.Add(1); n > 1 {
		h.log.Info("redis subscription re-established; resyncing subscribers", "reconnects", n-1)
	}
	h.touch()
	h.ready.Store(true)
	h.resyncAll()
}

// run is the single reader. It never blocks on subscribers (deliveries are
// non-blocking), so the socket is drained as fast as Redis sends.
//
// Two failure modes: a read error on a live PubSub (go-redis redials and
// resubscribes on the next Receive; its confirmation arrives as a
// *redis.Subscription and triggers the resync), and a closed PubSub (closed by
// the watchdog, or broken beyond go-redis's own repair), which is replaced by
// a new one. Consecutive failures back off exponentially.
func (h *Hub) run(ps *redis.PubSub) {
	defer h.wg.Done()
	failures := 0
	for {
		if ps == nil {
			failures++
			if !h.wait(h.ctx, h.backoff(failures)) {
				return
			}
			next, err := h.connect(h.ctx)
			if err != nil {
				h.log.Warn("redis resubscribe failed", "attempt", failures, "err", err)
				continue
			}
			if !h.install(next, 0) {
				return
			}
			ps, failures = next, 0
			continue
		}

		msg, err := ps.Receive(h.ctx)
		if err != nil {
			if h.isStopping() {
				return
			}
			h.ready.Store(false)
			if errors.Is(err, redis.ErrClosed) {
				h.log.Warn("redis subscription closed; opening a new one")
				h.release(ps)
				ps = nil
				continue
			}
			h.log.Warn("redis subscription interrupted", "err", err)
			failures++
			if !h.wait(h.ctx, h.backoff(failures-1)) { // the first retry is immediate
				return
			}
			continue
		}
		h.touch()
		switch m := msg.(type) {
		case *redis.Message:
			failures = 0
			h.dispatch(m)
		case *redis.Subscription:
			if m.Kind == "psubscribe" {
				failures = 0
				h.onSubscribed()
			}
		case *redis.Pong:
			h.pongs.Add(1)
		}
	}
}

// release forgets a dead PubSub.
func (h *Hub) release(ps *redis.PubSub) {
	h.psMu.Lock()
	defer h.psMu.Unlock()
	if h.ps == ps {
		h.ps = nil
	}
	_ = ps.Close()
}

// closeCurrent closes the current PubSub, which unblocks the reader and makes
// it open a new one.
func (h *Hub) closeCurrent() {
	h.psMu.Lock()
	defer h.psMu.Unlock()
	if h.ps != nil {
		_ = h.ps.Close()
	}
}

// watchdog detects a silently dead connection (no RST, e.g. a network
// partition), which a blocking read would wait on forever: after HealthCheck
// of silence it pings, and after twice that it reconnects.
func (h *Hub) watchdog() {
	defer h.wg.Done()
	hc := h.opts.HealthCheck
	t := time.NewTicker(hc / 2)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		if !h.ready.Load() { // the reader is already reconnecting
			continue
		}
		idle := time.Since(time.Unix(0, h.lastActivity.Load()))
		switch {
		case idle >= 2*hc:
			h.log.Warn("redis subscription silent; reconnecting", "idle", idle)
			h.ready.Store(false)
			h.closeCurrent()
		case idle >= hc:
			h.psMu.Lock()
			ps := h.ps
			h.psMu.Unlock()
			if ps != nil {
				if err := ps.Ping(h.ctx); err != nil {
					h.log.Debug("redis ping failed", "err", err)
				}
			}
		}
	}
}

func (h *Hub) touch() { h.lastActivity.Store(time.Now().UnixNano()) }

// backoff is 0 for attempt 0, then 50ms doubling up to MaxBackoff, with
// jitter so that many API instances do not reconnect in lockstep.
func (h *Hub) backoff(attempt int) time.Duration {
	if attempt <= 0 {
		return 0
	}
	d := h.opts.MaxBackoff
	if attempt < 16 {
		d = min(50*time.Millisecond<<(attempt-1), h.opts.MaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// wait sleeps for d unless ctx ends first; it reports whether to continue.
func (h *Hub) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
