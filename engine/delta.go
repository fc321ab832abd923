package engine

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/events"
)

// deltaInterval is the shortest time between two NODE_OUTPUT_DELTA events
// of one node: at most about 20 a second, however fast the model writes.
const deltaInterval = 50 * time.Millisecond

// deltaBuffer coalesces a node's streamed text (blocks.RunContext.Delta)
// into NODE_OUTPUT_DELTA events. They are live-only: not stored, and not
// numbered in the run's gap-free sequence — each carries the run's last
// assigned seq and Delta, and subscribers forward them without sequence
// checks. The first of a node is made at once, later ones at most every
// deltaInterval; emit flushes what is pending before the node's output is
// recorded. Each delta carries its byte offset in the pin's text; with a
// PartialPublisher the text so far is kept in Redis too, for subscribers
// that join mid-stream, and dropped when the block returns.
//
// A delta is handed to this process's subscribers at once, on the
// caller's goroutine (PartialPublisher.DeliverDelta), and sent through
// Redis (the partial text, other processes' subscribers) by a sender
// goroutine of the node's, started when there is something to send and
// gone when there is not: the block does not wait for that round trip, so
// it costs neither the model's stream reading nor the node's end (issue
// 12's block overhead: two round trips of its ~1.6 ms, one call at a time).
// Order holds: deltas are sent in the order they were made, and the
// commit that stores an output of the node, or its end, is published only
// after the deltas made before it were sent (barrier, eventQueue), so a
// pin's deltas still precede its stored value on every subscriber.
type deltaBuffer struct {
	e *Engine
	r *run
	x *nodeExec

	mu     sync.Mutex
	pin    string
	text   []byte
	last   time.Time
	timer  *time.Timer
	closed bool
	made   sync.Mutex // one delta made at a time: offsets and hand-over in order
	// Under made: bytes of each pin's text made so far (the next delta's
	// offset), and the pins in order of their first delta.
	offsets map[string]int64
	pins    []string

	// The sender's queue (under sendMu): deltas made and not yet taken by
	// it, the channel closed once those are sent (queuedSent), the one of
	// the round it sends or last sent (sending), whether it runs, and
	// whether the node's partial texts are to be dropped after the deltas.
	sendMu     sync.Mutex
	queue      []events.Delta
	queuedSent chan struct{}
	sending    chan struct{}
	running    bool
	end        bool
}

func newDeltaBuffer(e *Engine, r *run, x *nodeExec) *deltaBuffer {
	return &deltaBuffer{e: e, r: r, x: x}
}

// add queues text of pin, publishing at once when the last frame is older
// than deltaInterval, else when it is.
func (d *deltaBuffer) add(pin, text string) {
	if text == "" || d.e.pub == nil {
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	if d.pin != "" && d.pin != pin {
		d.mu.Unlock()
		d.flush()
		d.mu.Lock()
	}
	d.pin = pin
	d.text = append(d.text, text...)
	wait := deltaInterval - time.Since(d.last)
	if wait > 0 {
		if d.timer == nil {
			d.timer = time.AfterFunc(wait, d.flush)
		}
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	d.flush()
}

// flush makes a delta of what is pending: handed to local subscribers now,
// queued for the sender.
func (d *deltaBuffer) flush() {
	d.made.Lock()
	defer d.made.Unlock()
	d.mu.Lock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if len(d.text) == 0 {
		d.mu.Unlock()
		return
	}
	pin, text := d.pin, string(d.text)
	d.text = d.text[:0]
	d.last = time.Now()
	d.mu.Unlock()
	raw, _ := json.Marshal(text)
	if d.offsets == nil {
		d.offsets = map[string]int64{}
	}
	off, seen := d.offsets[pin]
	if !seen {
		d.pins = append(d.pins, pin)
	}
	d.offsets[pin] = off + int64(len(text))
	d.r.mu.Lock()
	ev := events.Event{ExecutionID: d.r.ids[0], GraphID: d.r.ids[1], UserID: d.r.ids[2], Seq: d.r.seq,
		Kind: events.KindNodeOutputDelta, Delta: true, NodeID: d.x.n.idStr, NodeExecutionID: d.x.sid(),
		Pin: pin, Value: raw, At: d.e.now().UTC(), Offset: off}
	d.r.mu.Unlock()
	// Queued (and the sender started) before the local hand-over: the
	// goroutine woken last runs next on this P (Go's runnext), and that
	// should be the subscriber's websocket writer, not the sender.
	d.sendMu.Lock()
	d.queue = append(d.queue, events.Delta{Event: ev, Text: text})
	if d.queuedSent == nil {
		d.queuedSent = make(chan struct{})
	}
	d.startSenderLocked()
	d.sendMu.Unlock()
	if pp, ok := d.e.pub.(PartialPublisher); ok {
		if err := pp.DeliverDelta(ev); err != nil {
			d.warn("handing a live delta to this process's subscribers failed (the stored output is unaffected)", err)
		}
	}
}

// startSenderLocked starts the sender unless it runs (caller holds sendMu).
func (d *deltaBuffer) startSenderLocked() {
	if !d.running {
		d.running = true
		go d.send()
	}
}

// send sends the queue a round at a time (one round trip for the deltas
// queued meanwhile), then drops the node's partial texts once the block
// returned and every delta is sent, and exits when nothing is left.
func (d *deltaBuffer) send() {
	for {
		d.sendMu.Lock()
		batch, sent := d.queue, d.queuedSent
		d.queue, d.queuedSent, d.sending = nil, nil, sent
		end := d.end && len(batch) == 0
		if end {
			d.end = false
		}
		if len(batch) == 0 && !end {
			d.running = false
			d.sendMu.Unlock()
			return
		}
		d.sendMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if len(batch) > 0 {
			var err error
			if pp, ok := d.e.pub.(PartialPublisher); ok {
				err = pp.SendDeltas(ctx, batch...)
			} else {
				evs := make([]events.Event, len(batch))
				for i, b := range batch {
					evs[i] = b.Event
				}
				err = d.e.pub.Publish(ctx, evs...)
			}
			if err != nil {
				d.warn("publishing a live delta failed (the stored output is unaffected)", err)
			}
			close(sent)
		}
		if end {
			d.dropPartials(ctx)
		}
		cancel()
	}
}

// dropPartials forgets the node's partial texts in Redis (they expire anyway).
func (d *deltaBuffer) dropPartials(ctx context.Context) {
	pp, ok := d.e.pub.(PartialPublisher)
	if !ok {
		return
	}
	d.made.Lock()
	pins := d.pins
	d.made.Unlock()
	if err := pp.EndPartial(ctx, d.r.ids[0], d.x.sid(), pins); err != nil {
		d.warn("dropping a node's partial text failed (it expires)", err)
	}
}

func (d *deltaBuffer) warn(msg string, err error) {
	d.e.log.WarnContext(d.r.ctx, msg, "execution_id", d.r.id, "node_execution_id", d.x.sid(), "err", err)
}

// barrier is closed once every delta made so far has been sent (nil: none
// is waiting). The commit that publishes an output or the end of the node
// waits for it (eventQueue), so its deltas reach Redis first.
func (d *deltaBuffer) barrier() <-chan struct{} {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	if d.queuedSent != nil {
		return d.queuedSent
	}
	return d.sending
}

// close drops what is pending: the block returned (a value it emitted was
// flushed before it was recorded; text of a failed call is not published).
// The node's partial texts are dropped by the sender after the deltas
// still to send, in the background: the node's end does not wait for that
// round trip, and a stream that reads them meanwhile ignores the texts of
// node executions its snapshot shows ended or with the pin's output stored
// (livestream's partials); they expire anyway.
func (d *deltaBuffer) close() {
	d.mu.Lock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.text = nil
	d.mu.Unlock()
	d.made.Lock() // a flush in flight (a timer's) has queued its delta
	streamed := len(d.pins) > 0
	d.made.Unlock()
	if _, ok := d.e.pub.(PartialPublisher); !ok || !streamed {
		return
	}
	d.sendMu.Lock()
	d.end = true
	d.startSenderLocked()
	d.sendMu.Unlock()
}
