package livestream

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// RunSink takes a run stream's values, in order. The stream calls it from
// the hub's reader goroutine (under the stream's lock), from a snapshot
// read, or from its quiet-check timer, one call at a time: no method may
// block.
type RunSink interface {
	// Snapshot hands over the run as stored; events follow from
	// snap.Execution.LastSeq+1. It is never refused.
	Snapshot(snap *model.ExecutionSnapshot)
	// Event hands over the next event, unless Buffer events already wait
	// for the consumer: false means it is too far behind, and the stream
	// reads the snapshot again instead. ev is the hub's, shared by every
	// subscriber of the run in this process: read-only, and the same
	// pointer for all of them (a key under which one rendering may serve
	// them all).
	Event(ev *events.Event) bool
	// End follows the last value: the run is over (or its snapshot could
	// no longer be read). Nothing follows it.
	End()
}

// Run streams run id into sink until ctx is done or the run ended (after
// sink.End). It subscribes to the hub, reads the first snapshot and hands
// it over before it returns; on error (the run cannot be read) nothing was
// handed over and nothing will be.
func (s *Streams) Run(ctx context.Context, id uuid.UUID, sink RunSink) error {
	return s.RunIf(ctx, id, nil, sink)
}

// RunIf is Run for a caller who may follow the run only if allow says so:
// allow (nil: anyone) sees the run as its first snapshot read it, before
// anything is handed over, and its error ends the stream at once, with
// nothing handed over. The stream's first read is then also the caller's
// check, so following a run costs no read of it beforehand.
func (s *Streams) RunIf(ctx context.Context, id uuid.UUID, allow func(*model.GraphExecution) error, sink RunSink) error {
	r := &run{s: s, ctx: ctx, id: id, sink: sink,
		syncing: true} // events wait in held until the first snapshot is out
	r.quiet = time.AfterFunc(s.quiet, r.onQuiet)
	r.quiet.Stop() // armed once the first snapshot is out
	sub := s.hub.SubscribeExecutionFunc(id.String(), r.onEvent)
	// ctx ends when the consumer goes away, or after End (the consumer
	// then finishes).
	stop := context.AfterFunc(ctx, func() {
		sub.Close()
		r.quiet.Stop()
	})
	snap, err := s.store.ExecutionSnapshot(ctx, id)
	if err == nil && allow != nil {
		err = allow(snap.Execution)
	}
	if err != nil {
		stop()
		sub.Close()
		return err
	}
	if r.deliverSnapshot(snap) {
		go r.resync()
	}
	return nil
}

// run is one run stream's position. While syncing, a single goroutine (the
// one reading the snapshot) owns the sink; otherwise the sink is called
// under mu, from the hub's callback or the quiet check.
type run struct {
	s     *Streams
	ctx   context.Context
	id    uuid.UUID
	sink  RunSink
	quiet *time.Timer

	mu      sync.Mutex
	last    int64 // seq of the last event or snapshot handed over
	syncing bool  // a snapshot is being read; events wait in held
	held    []*events.Event
	again   bool // events were lost while syncing: read once more
	closed  bool // End was handed over
	// suspect is the stored seq a quiet check saw ahead of last; a second
	// check still behind it means events were lost.
	suspect int64
	// sent is how much of each streaming pin's text ("<node execution>|<pin>")
	// was handed over: partial texts and deltas are cut to what is new.
	sent map[string]int64
}

// onEvent is the hub's callback (its reader goroutine): it must not block.
// A nil event means the Redis subscription was re-established.
func (r *run) onEvent(ev *events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
	case ev == nil:
		r.resyncLocked()
	case ev.Delta && !r.syncing:
		r.deltaLocked(ev)
	case r.syncing:
		if len(r.held) < MaxHeld {
			r.held = append(r.held, ev)
		} else {
			r.again = true
		}
	default:
		r.applyLocked(ev)
	}
}

// applyLocked hands over the next event in sequence; an older one is a
// duplicate, a newer one means events were lost and the snapshot is read
// again, as does a consumer too slow to take it.
func (r *run) applyLocked(ev *events.Event) {
	if ev.Delta {
		r.deltaLocked(ev)
		return
	}
	switch {
	case ev.Seq <= r.last:
		return
	case ev.Seq > r.last+1:
		r.resyncLocked()
		return
	}
	if !r.sink.Event(ev) {
		r.resyncLocked()
		return
	}
	r.last = ev.Seq
	r.suspect = 0
	if ev.Terminal() {
		r.closeLocked()
		return
	}
	r.quiet.Reset(r.s.quiet)
}

func (r *run) closeLocked() {
	r.closed = true
	r.quiet.Stop()
	r.sink.End()
}

// resyncLocked starts a snapshot read unless one is running, in which case
// that one reads again when it is done.
func (r *run) resyncLocked() {
	if r.syncing {
		r.again = true
		return
	}
	r.syncing = true
	go r.resync()
}

// resync reads and hands over snapshots until one was read with nothing
// lost meanwhile, then replays the events that arrived during the read.
func (r *run) resync() {
	for {
		snap, err := r.s.store.ExecutionSnapshot(r.ctx, r.id)
		if err != nil {
			if r.ctx.Err() == nil {
				r.s.log.Warn("snapshot read failed; ending the stream", "execution", r.id, "err", err)
				r.mu.Lock()
				r.closeLocked()
				r.mu.Unlock()
			}
			return
		}
		r.mu.Lock()
		again := r.again
		if again {
			r.again, r.held = false, nil
		}
		r.mu.Unlock()
		if !again && !r.deliverSnapshot(snap) {
			return
		}
	}
}

// deliverSnapshot hands over a snapshot, then ends the sync by replaying
// held events. It reports whether the caller must read again (events were
// lost while it handed over), in which case it still owns the stream.
func (r *run) deliverSnapshot(snap *model.ExecutionSnapshot) bool {
	r.sink.Snapshot(snap)
	partials := r.s.partials(r.ctx, snap)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range partials {
		r.handDeltaLocked(p)
	}
	r.last = snap.Execution.LastSeq
	r.suspect = 0
	if snap.Execution.Status.IsTerminal() {
		r.closeLocked()
		return false
	}
	if r.again {
		r.again, r.held = false, nil
		return true
	}
	held := r.held
	r.held = nil
	r.syncing = false
	for _, ev := range held {
		if r.closed || r.syncing {
			break // a new snapshot covers the rest
		}
		r.applyLocked(ev)
	}
	if !r.closed && !r.syncing {
		r.quiet.Reset(r.s.quiet)
	}
	return false
}

// onQuiet runs when nothing arrived for the quiet period: the stream's
// check joins the process's next batch (quietChecks).
func (r *run) onQuiet() {
	if r.ctx.Err() == nil {
		r.s.quietChecks.add(r)
	}
}

// quietBegin starts a quiet check: the last seq handed over, and whether
// the check is still wanted (not if the stream ended or is re-reading).
func (r *run) quietBegin() (int64, bool) {
	if r.ctx.Err() != nil {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, !r.closed && !r.syncing
}

// quietEnd settles a quiet check with the run as read (nil: not found, or
// err); a run not found ends the stream. It re-reads the run when the stored sequence is ahead of what was
// handed over on two checks in a row: an event committed but not yet
// published would otherwise trigger a needless snapshot. A terminal run is
// re-read at once, so the end is never missed. A failed read is retried at
// the next check.
func (r *run) quietEnd(last int64, e *model.GraphExecution, err error) {
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.syncing {
		return // a running sync re-arms the timer when it is done
	}
	if err == nil && e == nil {
		// The run is gone (deleted with its graph): nothing more will
		// come, so the stream ends rather than check forever.
		r.closeLocked()
		return
	}
	if err != nil || r.last != last { // failed, or events arrived meanwhile
		r.quiet.Reset(r.s.quiet)
		return
	}
	behind := e.LastSeq > r.last
	lost := r.suspect > r.last // seen stored on the previous check, still not received
	r.suspect = 0
	if behind && (lost || e.Status.IsTerminal()) {
		r.resyncLocked()
		return
	}
	if behind {
		r.suspect = e.LastSeq
	}
	r.quiet.Reset(r.s.quiet)
}

// deltaLocked hands over live text (NODE_OUTPUT_DELTA), outside the
// sequence: never checked for gaps, held only while a snapshot is read
// (then replayed after the partial texts). A delta made before the
// snapshot's last event is dropped (its pin's final value may have come
// with it), unless text of its pin was handed over already: then its
// offset says what is new.
func (r *run) deltaLocked(ev *events.Event) {
	if _, streaming := r.sent[ev.NodeExecutionID+"|"+ev.Pin]; streaming || ev.Seq >= r.last {
		r.handDeltaLocked(ev)
	}
}

// handDeltaLocked hands over the part of a delta (or of a partial text, a
// delta from offset 0) that was not handed over yet.
func (r *run) handDeltaLocked(ev *events.Event) {
	var text string
	if json.Unmarshal(ev.Value, &text) != nil {
		_ = r.sink.Event(ev) // a value not inlined: the final one follows
		return
	}
	key := ev.NodeExecutionID + "|" + ev.Pin
	sent := r.sent[key]
	end := ev.Offset + int64(len(text))
	if end <= sent {
		return // covered by what was handed over
	}
	if ev.Offset < sent {
		cut := *ev // the hub's event is shared: hand over a copy
		cut.Value, _ = json.Marshal(text[sent-ev.Offset:])
		cut.Offset = sent
		ev = &cut
	}
	if r.sent == nil {
		r.sent = map[string]int64{}
	}
	r.sent[key] = end
	_ = r.sink.Event(ev)
}
