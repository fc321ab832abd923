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
// checks. They are published at once, from the block's goroutine, in order;
// emit flushes what is pending before the node's output is recorded, so a
// pin's deltas always precede its stored value. Each delta carries its
// byte offset in the pin's text; with a PartialPublisher the text so far
// is kept in Redis too, for subscribers that join mid-stream, and dropped
// when the block returns.
type deltaBuffer struct {
	e *Engine
	r *run
	x *nodeExec

	mu      sync.Mutex
	pin     string
	text    []byte
	last    time.Time
	timer   *time.Timer
	closed  bool
	publish sync.Mutex // one publish at a time keeps the deltas in order
	// Under publish: bytes of each pin's text published so far (the next
	// delta's offset), and the pins in order of their first delta.
	offsets map[string]int64
	pins    []string
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

// flush publishes what is pending.
func (d *deltaBuffer) flush() {
	d.publish.Lock()
	defer d.publish.Unlock()
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if pp, ok := d.e.pub.(PartialPublisher); ok {
		err = pp.PublishDelta(ctx, ev, text)
	} else {
		err = d.e.pub.Publish(ctx, ev)
	}
	if err != nil {
		d.e.log.WarnContext(d.r.ctx, "publishing a live delta failed (the stored output is unaffected)", "execution_id", d.r.id, "err", err)
	}
}

// close drops what is pending: the block returned (a value it emitted was
// flushed before it was recorded; text of a failed call is not published).
// The node's partial texts are dropped in the background, after a flush in
// flight (the publish lock): the node's end does not wait for that round
// trip to Redis (issue 12's block overhead), and a stream that reads them
// meanwhile ignores the texts of node executions its snapshot shows ended
// or with the pin's output stored (livestream's partials); they expire anyway.
func (d *deltaBuffer) close() {
	d.mu.Lock()
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.text = nil
	d.mu.Unlock()
	pp, ok := d.e.pub.(PartialPublisher)
	if !ok {
		return
	}
	go func() {
		d.publish.Lock()
		defer d.publish.Unlock()
		if len(d.pins) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := pp.EndPartial(ctx, d.r.ids[0], d.x.sid(), d.pins); err != nil {
			d.e.log.WarnContext(d.r.ctx, "dropping a node's partial text failed (it expires)", "execution_id", d.r.id, "err", err)
		}
	}()
}
