package wstransport

import (
	"context"
	"sync"
)

// Driven operations.
//
// gqlgen pulls subscription results: a transport calls the operation's
// response handler, which blocks on the channel the resolver returned. With
// tens of thousands of idle subscriptions those parked goroutines would be
// most of the server's memory. So this transport offers every operation a
// Driver in its context (TakeDriver). A resolver that takes it hands each
// value to Offer instead of sending it: the transport runs a goroutine only
// while frames are waiting, and puts each value on the resolver's channel
// (Frame.Deliver) right before it calls the handler for it. Because the
// transport sees a frame before gqlgen renders it, it can also reuse the
// rendering of an identical operation for the same value seen by the same
// viewer (Frame.Key, Frame.Viewer; resultcache.go), which is what a run
// followed by many subscribers costs most.
//
// Resolvers do not use this directly: internal/livefeed is the one adapter
// between live streams and it (and, under other transports, drains a Driver
// of its own).

// Frame is one value offered to the transport.
type Frame struct {
	// Key identifies the value across the operations of this process: two
	// operations with the same query and variables, for the same Viewer,
	// render the same result for the same key, so one rendering may serve
	// both. nil: never shared. The key must stay reachable while the
	// transport may cache it (a pointer to the shared value is right; a
	// recycled id is not).
	Key any
	// Viewer is who the value is rendered for (a user, or a share token):
	// renderings are shared only between operations of the same viewer, so
	// two viewers never receive each other's bytes. "": never shared.
	Viewer string
	// Deliver puts the value on the resolver's channel (or closes it) and
	// reports whether it did; false means there is nothing to render after
	// all (the transport moves on). The transport calls it right before the
	// response handler, one frame at a time and in order, so the channel
	// never needs more than one slot, and Deliver may do slow work (a read)
	// that must not run where the value was offered. A value the transport
	// rendered from its cache is never delivered.
	Deliver func() bool
	// Value, when set, returns the value Deliver would put on the channel,
	// without putting it there: a renderer from Config.Plain may then write
	// the result itself, and the frame is not delivered. nil: only the
	// executor renders this frame.
	Value func() any
	// Final marks the channel's close: the operation ends after it.
	Final bool
}

// Driver queues the frames of one operation and runs a drain whenever some
// are waiting and none is running.
type Driver struct {
	mu      sync.Mutex
	taken   bool
	queue   []Frame
	running bool
	drain   func(frames []Frame) // set by Start
}

type driverKey struct{}

func withDriver(ctx context.Context, d *Driver) context.Context {
	return context.WithValue(ctx, driverKey{}, d)
}

// TakeDriver returns the operation's Driver, or nil when the operation does
// not run on this transport. By taking it the caller promises to hand every
// value, and the channel's close, to Offer rather than to the channel.
func TakeDriver(ctx context.Context) *Driver {
	d, _ := ctx.Value(driverKey{}).(*Driver)
	if d != nil {
		d.mu.Lock()
		d.taken = true
		d.mu.Unlock()
	}
	return d
}

// Release undoes TakeDriver for a resolver that fails before it offered
// anything: the transport then reads the resolver's result (its error) as
// usual.
func (d *Driver) Release() {
	d.mu.Lock()
	d.taken = false
	d.mu.Unlock()
}

// wasTaken reports whether a resolver took d.
func (d *Driver) wasTaken() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.taken
}

// Start installs the drain; frames offered before are handed to it at once.
// drain runs on a goroutine of its own, one call at a time, with the frames
// in the order they were offered. The transport starts the Drivers it hands
// out; a caller without a driving transport may start one of its own.
func (d *Driver) Start(drain func(frames []Frame)) {
	d.mu.Lock()
	d.drain = drain
	d.kickLocked()
	d.mu.Unlock()
}

// Offer queues f. It never blocks, so it may be called under the caller's
// own locks. With limit > 0 it refuses (false) when limit frames are
// already waiting: the caller's consumer is that far behind. limit 0 always
// queues, for what must not be dropped (a snapshot, the close).
func (d *Driver) Offer(f Frame, limit int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if limit > 0 && len(d.queue) >= limit {
		return false
	}
	d.queue = append(d.queue, f)
	d.kickLocked()
	return true
}

func (d *Driver) kickLocked() {
	if d.running || d.drain == nil || len(d.queue) == 0 {
		return
	}
	d.running = true
	go d.loop()
}

// loop runs the drain until nothing is waiting. One loop at a time keeps
// the frames in order.
func (d *Driver) loop() {
	for {
		d.mu.Lock()
		frames := d.queue
		d.queue = nil
		if len(frames) == 0 {
			d.running = false
			d.mu.Unlock()
			return
		}
		drain := d.drain
		d.mu.Unlock()
		drain(frames)
	}
}
