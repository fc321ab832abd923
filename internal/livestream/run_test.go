package livestream_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/livefeed"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// open starts streaming r into a new sink until the test ends.
func open(t *testing.T, s *livestream.Streams, r *run) *sink {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	k := newSink(t)
	require.NoError(t, s.Run(ctx, r.exec.ID, k))
	return k
}

// A run's stream is its snapshot, then each later event once, in order,
// and ends after the terminal event: duplicates and events the snapshot
// covers are skipped, nothing follows the end.
func TestRunStreamsSnapshotThenEventsInOrderUntilTheEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	covered := r.commit(1, "") // seq 3: in the snapshot

	k := open(t, f.streams(noQuiet), r)
	snap := k.snapshot(3, model.StatusRunning)
	require.Equal(t, r.exec.ID, snap.Execution.ID)
	require.Len(t, snap.NodeExecutions, 1, "the snapshot holds the node executions of what it covers")
	require.False(t, snap.At.IsZero())

	f.publish(covered...) // already in the snapshot
	evs := r.commit(3, "")
	f.publish(evs[0], evs[1], evs[0], evs[2]) // a duplicate in between
	k.events(4, 5, 6)
	k.empty()

	f.publish(r.commit(1, model.StatusCompleted)...)
	k.events(7)
	k.end()
	f.publish(evs[2]) // the hub still delivers; the stream is over
	k.empty()
}

// A run that is over is its snapshot and the end.
func TestRunThatIsOverIsItsSnapshotAndTheEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	r.commit(2, model.StatusFailed)
	k := open(t, f.streams(noQuiet), r)
	k.snapshot(4, model.StatusFailed)
	k.end()
}

// A run that cannot be read is an error, and nothing is handed over.
func TestRunOfAMissingExecutionFails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	k := newSink(t)
	err := f.streams(noQuiet).Run(context.Background(), uuid.New(), k)
	require.ErrorIs(t, err, model.ErrNotFound)
	k.empty()
}

// A gap in the sequence (an event lost between Redis and us) re-reads the
// snapshot, and the stream continues from it.
func TestRunResyncsOnAGap(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(noQuiet), r)
	k.snapshot(2, model.StatusRunning)

	evs := r.commit(3, "")
	f.publish(evs[2]) // 3 and 4 lost
	snap := k.snapshot(5, model.StatusRunning)
	require.Len(t, snap.NodeExecutions, 3)
	f.publish(r.commit(1, model.StatusCompleted)...)
	k.events(6)
	k.end()
}

// A Redis reconnect (events may have been published while the hub was not
// subscribed) re-reads the snapshot.
func TestRunResyncsOnRedisReconnect(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(noQuiet), r)
	k.snapshot(2, model.StatusRunning)

	r.commit(1, "") // published while the hub is away: lost
	f.killHubConnection()
	k.snapshot(3, model.StatusRunning)
	require.EqualValues(t, 1, f.hub.Reconnects())
	f.publish(r.commit(1, "")...)
	k.events(4)
}

// A consumer too far behind to take an event gets a fresh snapshot
// instead, and events again once it keeps up.
func TestRunResyncsASlowConsumer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(noQuiet), r)
	k.snapshot(2, model.StatusRunning)

	k.refuse.Store(true)
	f.publish(r.commit(1, "")...)
	k.snapshot(3, model.StatusRunning) // snapshots are never refused
	k.refuse.Store(false)
	f.publish(r.commit(1, "")...)
	k.events(4)
}

// snapshotGate is the real store whose snapshot reads, once closed, wait
// after reading until the test opens it: what arrives meanwhile is held.
type snapshotGate struct {
	livestream.Store
	read chan struct{} // a read is done and waiting
	open chan struct{}
}

func (g snapshotGate) ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.ExecutionSnapshot, error) {
	snap, err := g.Store.ExecutionSnapshot(ctx, id)
	g.read <- struct{}{}
	<-g.open
	return snap, err
}

// Events that arrive while the snapshot is being read wait, and those it
// does not cover follow it in order.
func TestRunReplaysEventsHeldDuringTheSnapshot(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	gate := snapshotGate{Store: f.store, read: make(chan struct{}, 1), open: make(chan struct{})}
	s := livestream.New(gate, f.hub, noQuiet)
	k := newSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opened := make(chan error, 1)
	go func() { opened <- s.Run(ctx, r.exec.ID, k) }()
	select {
	case <-gate.read: // the snapshot at seq 2 is read, not yet handed over
	case <-time.After(waitTimeout):
		t.Fatal("no snapshot read")
	}
	evs := r.commit(2, "")
	f.publish(evs[0], evs[1], evs[0])
	close(gate.open)
	require.NoError(t, <-opened)
	k.snapshot(2, model.StatusRunning)
	k.events(3, 4)
	f.publish(r.commit(1, model.StatusCompleted)...)
	k.events(5)
	k.end()
}

// The quiet check recovers a lost final event: a run that stays silent is
// read, and a stored end it never heard of brings the snapshot and the end.
func TestRunQuietCheckRecoversALostFinalEvent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(livestream.Options{QuietCheck: 50 * time.Millisecond}), r)
	k.snapshot(2, model.StatusRunning)
	r.commit(2, model.StatusCompleted) // never published
	k.snapshot(4, model.StatusCompleted)
	k.end()
}

// A lost event of a running run is recovered by the quiet check too, once
// a second check still finds the store ahead (a first one may just have
// read between the engine's commit and its publish).
func TestRunQuietCheckRecoversALostEvent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(livestream.Options{QuietCheck: 50 * time.Millisecond}), r)
	k.snapshot(2, model.StatusRunning)
	r.commit(1, "") // never published
	k.snapshot(3, model.StatusRunning)
	f.publish(r.commit(1, "")...)
	k.events(4)
}

// One commit of a run carries about four events per node it moved (with
// speculation a whole chain may commit at once), and the hub hands them
// over in one go, faster than any consumer takes them: a consumer that
// has not taken anything yet still gets every one as an event, not a
// re-read snapshot. Here the consumer is a live feed as a subscription
// resolver opens it, read only after the burst was handed over.
func TestRunHandsOverACommitsBurstAsEvents(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out, err := livefeed.Run(ctx, f.streams(noQuiet), r.exec.ID, livefeed.User(u.ID), nil,
		func(s *model.ExecutionSnapshot) item { return item{snap: s} }, func(ev *events.Event) item { return item{ev: ev} })
	require.NoError(t, err)
	const burst = 200
	f.publish(r.commit(burst, "")...)
	take := func() item {
		select {
		case it := <-out:
			return it
		case <-time.After(waitTimeout):
			t.Fatal("the feed handed over nothing")
			return item{}
		}
	}
	require.NotNil(t, take().snap)
	for seq := int64(3); seq < 3+burst; seq++ {
		it := take()
		require.NotNil(t, it.ev, "want event seq %d, got a snapshot instead (a re-read)", seq)
		require.Equal(t, seq, it.ev.Seq)
	}
}

// A run the caller may not follow (RunIf's allow refuses it as first read)
// is an error, and nothing of it is handed over, then or later.
func TestRunIfRefusedHandsOverNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := newSink(t)
	var seen *model.GraphExecution
	err := f.streams(noQuiet).RunIf(context.Background(), r.exec.ID, func(e *model.GraphExecution) error {
		seen = e
		return model.NotFound("execution")
	}, k)
	require.ErrorIs(t, err, model.ErrNotFound)
	require.Equal(t, r.exec.ID, seen.ID, "allow sees the run as read")
	f.publish(r.commit(1, "")...)
	k.empty()
}

// Many silent streams (runs waiting on a model) are checked together: the
// streams whose quiet periods run out within a tenth of a period share one
// statement, instead of each reading its run, and each stream's lost end
// is still recovered.
func TestRunQuietChecksOfManyStreamsShareStatements(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	g := f.graph(u)
	cs := &countingStore{Store: f.store}
	// Opening the streams takes well under the period, so their checks
	// fall due within a few tenths of it: a few statements.
	s := livestream.New(cs, f.hub, livestream.Options{QuietCheck: time.Second})
	const n = 60
	runs, sinks := make([]*run, n), make([]*sink, n)
	for i := range n {
		runs[i] = f.start(g, u)
	}
	for i, r := range runs {
		sinks[i] = open(t, s, r)
		r.commit(2, model.StatusCompleted) // never published
	}
	for _, k := range sinks {
		k.snapshot(2, model.StatusRunning)
		k.snapshot(4, model.StatusCompleted)
		k.end()
	}
	require.Zero(t, cs.runReads.Load(), "no stream reads its run alone")
	require.Positive(t, cs.runBatches.Load())
	require.LessOrEqual(t, cs.runBatches.Load(), int64(n/4), "statements for the quiet checks of %d streams", n)
}

// A run deleted while it is streamed (its graph deleted: an API refuses
// that while the run has not ended, but nothing else keeps a row) ends its
// streams at the next quiet check instead of checking forever; its log
// stream ends too.
func TestStreamsOfADeletedRunEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user()
	r := f.start(f.graph(u), u)
	k := open(t, f.streams(livestream.Options{QuietCheck: 50 * time.Millisecond}), r)
	k.snapshot(2, model.StatusRunning)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	logs := livestream.Logs(ctx, f.store, r.exec.ID, "DEBUG", 10*time.Millisecond)
	_, err := testenv.Postgres(t).Exec(ctx, `DELETE FROM graph_executions WHERE id = $1`, r.exec.ID)
	require.NoError(t, err)
	k.end()
	for range logs { // no lines were written: it just closes
	}
	require.NoError(t, ctx.Err(), "the log stream ended on its own")
}
