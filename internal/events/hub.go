package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrHubStopped is returned by Start once Stop has been called.
var ErrHubStopped = errors.New("events: hub stopped")

// HubOptions tunes a Hub; zero values pick the defaults.
type HubOptions struct {
	// Buffer is each subscription's channel capacity (default 256). A
	// subscriber that falls this far behind loses events and gets Resync.
	Buffer int
	// HealthCheck is how long the connection may stay silent before the hub
	// pings Redis (default 15s). A ping left unanswered for another interval
	// means a dead (half-open) connection: the hub reconnects. Without it a
	// silently dropped TCP connection would look like a quiet system.
	HealthCheck time.Duration
	// MaxBackoff caps the wait between reconnect attempts (default 5s).
	MaxBackoff time.Duration
	// ObserveLag, when set, is given each event routed to a local
	// subscriber with its lag: how long after the change it describes
	// (Event.At, the engine host's clock) the hub routed it. It runs on the
	// reader and must be quick (a histogram's Observe).
	ObserveLag func(time.Duration)
}

func (o HubOptions) withDefaults() HubOptions {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.HealthCheck <= 0 {
		o.HealthCheck = 15 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	return o
}

// Hub holds one Redis pattern subscription per process and fans events out to
// local subscribers (websockets). One subscription per process, not per
// client, keeps Redis connections constant as clients grow, and lets a client
// subscribe without a Redis round trip. The single reader never blocks on a
// subscriber: slow ones lose events and are told to resync.
type Hub struct {
	rdb     redis.UniversalClient
	prefix  string
	pattern string
	log     *slog.Logger
	opts    HubOptions

	// mu guards subs. Each channel's slice is copy-on-write: the reader takes
	// the current slice under RLock and delivers outside the lock, so
	// subscribing never waits for delivery and delivery never waits for
	// subscribing.
	mu      sync.RWMutex
	subs    map[string][]*Subscription
	stopped bool

	// psMu guards ps, the current Redis subscription, so Stop and the
	// watchdog can close it under the reader.
	psMu    sync.Mutex
	ps      *redis.PubSub
	started bool

	// ctx lives until Stop; it aborts dials, backoff waits and Start.
	ctx      context.Context
	cancel   context.CancelFunc
	stopOnce sync.Once
	wg       sync.WaitGroup

	ready        atomic.Bool
	lastActivity atomic.Int64 // unix nanos of the last frame read from Redis
	subscribed   atomic.Uint64
	delivered    atomic.Uint64
	dropped      atomic.Uint64
	pongs        atomic.Uint64
}

// NewHub returns a stopped hub for channels under prefix (the Publisher's
// prefix). logger may be nil.
func NewHub(rdb redis.UniversalClient, prefix string, logger *slog.Logger, opts HubOptions) *Hub {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		rdb:     rdb,
		prefix:  prefix,
		pattern: pattern(prefix),
		log:     logger.With("component", "events.hub"),
		opts:    opts.withDefaults(),
		subs:    make(map[string][]*Subscription),
		ctx:     ctx,
		cancel:  cancel,
	}
}

// Start subscribes to Redis and returns once Redis has confirmed the
// subscription, so a caller that subscribes locally after Start and then reads
// a Postgres snapshot cannot miss an event published after that read. It
// retries with backoff until ctx is done (a failed Start may be called again);
// ctx bounds only this wait, the hub then runs until Stop. Subscriptions made
// before Start get Resync.
func (h *Hub) Start(ctx context.Context) error {
	h.psMu.Lock()
	switch {
	case h.isStopping():
		h.psMu.Unlock()
		return ErrHubStopped
	case h.started:
		h.psMu.Unlock()
		return errors.New("events: hub already started")
	}
	h.started = true
	h.psMu.Unlock()

	// Stop aborts a Start that is still waiting for Redis.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.ctx, cancel)()

	var lastErr error
	for attempt := 0; ; attempt++ {
		if !h.wait(ctx, h.backoff(attempt)) {
			h.psMu.Lock()
			h.started = false // a failed Start may be retried
			h.psMu.Unlock()
			if h.isStopping() {
				return ErrHubStopped
			}
			return fmt.Errorf("events: hub start: %w (last error: %v)", ctx.Err(), lastErr)
		}
		ps, err := h.connect(ctx)
		if err != nil {
			lastErr = err
			h.log.Warn("redis subscribe failed", "attempt", attempt+1, "err", err)
			continue
		}
		if !h.install(ps, 2) {
			return ErrHubStopped
		}
		go h.run(ps)
		go h.watchdog()
		return nil
	}
}

// Stop closes the Redis subscription and every local subscription, and waits
// for the hub's goroutines. It is idempotent.
func (h *Hub) Stop() {
	h.stopOnce.Do(func() {
		h.mu.Lock()
		h.stopped = true
		subs := h.subs
		h.subs = nil
		h.mu.Unlock()

		h.cancel()
		h.psMu.Lock()
		if h.ps != nil {
			_ = h.ps.Close()
			h.ps = nil
		}
		h.psMu.Unlock()
		h.wg.Wait()
		h.ready.Store(false)

		for _, list := range subs {
			for _, s := range list {
				s.close()
			}
		}
	})
}

// Ready reports whether the Redis subscription is currently confirmed
// (for /readyz): while it is false, events are being lost.
func (h *Hub) Ready() bool { return h.ready.Load() }

// Delivered counts events handed to a subscriber.
func (h *Hub) Delivered() uint64 { return h.delivered.Load() }

// Dropped counts events lost because a subscriber's buffer was full.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }

// Reconnects counts Redis subscriptions re-established after the first.
func (h *Hub) Reconnects() uint64 {
	if n := h.subscribed.Load(); n > 1 {
		return n - 1
	}
	return 0
}

// SubscribeExecution subscribes to one execution's events.
func (h *Hub) SubscribeExecution(executionID string) *Subscription {
	return h.subscribe(execChannel(h.prefix, executionID))
}

// SubscribeExecutionFunc subscribes fn to one execution's events, without a
// buffer or a goroutine of its own: an idle subscription costs a few hundred
// bytes, which is what lets one process hold many thousands. fn runs on the
// hub's reader goroutine, one event at a time in publish order (a delta
// this process published may come first on the publisher's goroutine, and
// again from Redis: Publisher.DeliverDeltasLocally), and is never
// called again once Close has returned. It must not block and must not call
// Close (hand such work to another goroutine); fn(nil) means events may have
// been missed (the Redis subscription was re-established): resync.
func (h *Hub) SubscribeExecutionFunc(executionID string, fn func(*Event)) *Subscription {
	s := &Subscription{hub: h, channel: execChannel(h.prefix, executionID), fn: fn}
	h.add(s)
	return s
}

// SubscribeGraphFunc is SubscribeExecutionFunc for the GRAPH_STATUS events
// of every execution of one graph.
func (h *Hub) SubscribeGraphFunc(graphID string, fn func(*Event)) *Subscription {
	s := &Subscription{hub: h, channel: graphChannel(h.prefix, graphID), fn: fn}
	h.add(s)
	return s
}

// SubscribeGraph subscribes to the events of every execution of one graph.
func (h *Hub) SubscribeGraph(graphID string) *Subscription {
	return h.subscribe(graphChannel(h.prefix, graphID))
}

// subscribe registers a subscription; after Stop it returns one that is
// already closed, so callers need no special case.
func (h *Hub) subscribe(channel string) *Subscription {
	s := newSubscription(h, channel, h.opts.Buffer)
	h.add(s)
	return s
}

func (h *Hub) add(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		s.close()
		return
	}
	h.subs[s.channel] = append(slices.Clip(h.subs[s.channel]), s)
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.subs[s.channel]
	i := slices.Index(list, s)
	if i < 0 {
		return
	}
	if len(list) == 1 {
		delete(h.subs, s.channel)
		return
	}
	// Copy, never edit in place: the reader may be iterating the old slice.
	h.subs[s.channel] = slices.Delete(slices.Clone(list), i, i+1)
}

// dispatch routes one Redis message. The payload is decoded only if someone
// here listens on its channel, since the pattern brings every event of the
// deployment to every process.
func (h *Hub) dispatch(m *redis.Message) {
	h.mu.RLock()
	list := h.subs[m.Channel]
	h.mu.RUnlock()
	if len(list) == 0 {
		return
	}
	evs, err := Decode([]byte(m.Payload))
	if err != nil {
		h.log.Error("undecodable event", "channel", m.Channel, "err", err)
		return
	}
	if observe := h.opts.ObserveLag; observe != nil {
		now := time.Now()
		for _, ev := range evs {
			observe(now.Sub(ev.At))
		}
	}
	for _, ev := range evs {
		for _, s := range list {
			s.deliver(ev, &h.delivered, &h.dropped)
		}
	}
}

// deliverLocal hands ev, published by this process, to the subscribers of
// its execution here, as dispatch hands over what Redis sends (on the
// caller's goroutine: deliveries never block; Subscription.deliver orders
// them against the reader's per subscription).
func (h *Hub) deliverLocal(ev *Event) {
	h.mu.RLock()
	list := h.subs[execChannel(h.prefix, ev.ExecutionID)]
	h.mu.RUnlock()
	for _, s := range list {
		s.deliver(ev, &h.delivered, &h.dropped)
	}
}

// resyncAll tells every subscriber that events may have been lost.
func (h *Hub) resyncAll() {
	h.mu.RLock()
	var all []*Subscription
	for _, list := range h.subs {
		all = append(all, list...)
	}
	h.mu.RUnlock()
	// Outside the lock: a callback may subscribe (it runs on this goroutine).
	for _, s := range all {
		s.resyncNow()
	}
}

func (h *Hub) isStopping() bool { return h.ctx.Err() != nil }
