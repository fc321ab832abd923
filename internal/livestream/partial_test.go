package livestream_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// delta is the engine's NODE_OUTPUT_DELTA of text at offset on node
// execution nx's "response" pin, made when the run's last seq was r.seq.
func (r *run) delta(nx string, offset int64, text string) (events.Event, string) {
	raw, _ := json.Marshal(text)
	return events.Event{ExecutionID: r.exec.ID.String(), GraphID: r.exec.GraphID.String(), UserID: r.exec.UserID.String(),
		Seq: r.seq, Kind: events.KindNodeOutputDelta, Delta: true, NodeID: r.node.String(), NodeExecutionID: nx,
		Pin: "response", Value: raw, Offset: offset, At: time.Now().UTC()}, text
}

// publishDelta publishes a delta as the engine does (text appended to the
// node's partial text first) and waits until the hub handed it to every
// earlier subscriber (see fixture.publish).
func (f *fixture) publishDelta(ev events.Event, text string) {
	f.t.Helper()
	fence := f.hub.SubscribeExecution(ev.ExecutionID)
	defer fence.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(f.t, f.pub.PublishDelta(ctx, ev, text))
	for {
		select {
		case got := <-fence.C:
			if got.Delta && got.NodeExecutionID == ev.NodeExecutionID && got.Offset == ev.Offset {
				return
			}
		case <-time.After(waitTimeout):
			f.t.Fatalf("delta at offset %d never reached the hub", ev.Offset)
		}
	}
}

// text expects a delta of nx's text, at offset.
func (s *sink) text(nx string, offset int64, want string) {
	s.t.Helper()
	it := s.next()
	require.NotNil(s.t, it.ev, "want text %q, got %+v", want, it)
	require.Equal(s.t, events.KindNodeOutputDelta, it.ev.Kind)
	require.Equal(s.t, nx, it.ev.NodeExecutionID)
	var got string
	require.NoError(s.t, json.Unmarshal(it.ev.Value, &got))
	require.Equal(s.t, want, got)
	require.Equal(s.t, offset, it.ev.Offset)
}

// A subscriber that joins after N deltas gets the text of those N with its
// snapshot, then only what follows: a delta the text already covered is
// skipped, one that overlaps it is cut to what is new. Once the block
// returned (EndPartial) a new subscriber gets no partial text; nor does one
// whose snapshot shows the node execution ended.
func TestRunHandsOverTheTextSoFar(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	nx := uuid.NewString()
	var off int64
	var sent []events.Event
	for _, w := range []string{"Once", " upon", " a"} {
		ev, text := r.delta(nx, off, w)
		f.publishDelta(ev, text)
		sent = append(sent, ev)
		off += int64(len(w))
	}

	k := open(t, f.streams(noQuiet), r)
	k.snapshot(2, model.StatusRunning)
	k.text(nx, 0, "Once upon a")

	f.publish(sent[2]) // a late copy of a delta the text covered (Redis itself, not the engine)
	ev, text := r.delta(nx, off, " time")
	f.publishDelta(ev, text)
	k.text(nx, off, " time")
	off += int64(len(" time"))
	overlap, _ := r.delta(nx, off-2, "me,") // overlapping what was handed over
	f.publish(overlap)
	k.text(nx, off, ",")
	k.empty()

	// A second subscriber, joining now, gets the whole text once.
	k2 := open(t, f.streams(noQuiet), r)
	k2.snapshot(2, model.StatusRunning)
	k2.text(nx, 0, "Once upon a time")

	// The block returned: its partial text is gone.
	ctx := context.Background()
	require.NoError(t, f.pub.EndPartial(ctx, r.exec.ID.String(), nx, []string{"response"}))
	k3 := open(t, f.streams(noQuiet), r)
	k3.snapshot(2, model.StatusRunning)
	f.publish(r.commit(1, "")...)
	k3.events(3)
	k3.empty()

	// A node execution the snapshot shows ended: its leftover text is not handed over.
	done := r.commit(1, "")
	f.publish(done...)
	ev, text = r.delta(done[0].NodeExecutionID, 0, strings.Repeat("x", 3))
	ev.Seq = 3 // made before the commit that ended it, as the engine makes them
	f.publishDelta(ev, text)
	k4 := open(t, f.streams(noQuiet), r)
	k4.snapshot(4, model.StatusRunning)
	f.publish(r.commit(1, model.StatusCompleted)...)
	k4.events(5)
	k4.end()
}

// With the publisher handing deltas to the hub at once as well as through
// Redis (events.Publisher.DeliverDeltasLocally, as serve wires them), a
// stream hands over each delta once, in order: the copy Redis sends back
// is covered by what was handed over.
func TestRunHandsOverALocalDeltaOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	require.NoError(t, f.pub.DeliverDeltasLocally(f.hub))
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(noQuiet), r)
	k.snapshot(2, model.StatusRunning)
	nx := uuid.NewString()
	var off int64
	for _, w := range []string{"Once", " upon", " a", " time"} {
		ev, text := r.delta(nx, off, w)
		f.publishDelta(ev, text) // handed over by the call; Redis's copy follows
		k.text(nx, off, w)
		off += int64(len(w))
	}
	f.publish(r.commit(1, "")...) // after every delta's copy on the run's channel
	k.events(3)
	k.empty()
}
