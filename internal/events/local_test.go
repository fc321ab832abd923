package events

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// With DeliverDeltasLocally, the hub's subscribers get a delta from the
// publishing call itself: a hub that never subscribed to Redis (not
// started) receives it, and only it — sequenced events keep the Redis
// path. A hub of another prefix is refused.
func TestDeltasDeliveredLocally(t *testing.T) {
	t.Parallel()
	f := newStoppedFixture(t, HubOptions{})
	require.Error(t, f.pub.DeliverDeltasLocally(NewHub(f.rdb, "other:", nil, HubOptions{})))
	require.NoError(t, f.pub.DeliverDeltasLocally(f.hub))
	sub := f.hub.SubscribeExecution("e1")
	other := f.hub.SubscribeExecution("e2")
	ctx := context.Background()

	d := ev("e1", "g1", 4)
	d.Kind, d.Delta, d.NodeExecutionID, d.Offset = KindNodeOutputDelta, true, "nx1", 7
	d.Value, _ = json.Marshal("Once")
	require.NoError(t, f.pub.PublishDelta(ctx, d, "Once"))
	select {
	case got := <-sub.C:
		require.Equal(t, d, *got)
	default:
		t.Fatal("the delta was not handed over by PublishDelta")
	}
	require.NoError(t, f.pub.Publish(ctx, ev("e1", "g1", 5)))
	requireEmpty(t, sub)
	requireEmpty(t, other)
}

// Redis's copy of a delta the process's own Publisher handed over is
// dropped unread, so a subscriber of the execution's channel gets it once;
// sequenced events, and another publisher's (another process's) deltas,
// still come through Redis.
func TestOwnDeltaCopiesFromRedisAreDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	require.NoError(t, f.pub.DeliverDeltasLocally(f.hub))
	otherProcess := NewPublisher(f.rdb, f.hub.prefix)
	sub := f.hub.SubscribeExecution("e1")
	ctx := context.Background()

	delta := func(text string, off int64) Event {
		d := ev("e1", "g1", 1)
		d.Kind, d.Delta, d.NodeExecutionID, d.Offset = KindNodeOutputDelta, true, "nx1", off
		d.Value, _ = json.Marshal(text)
		return d
	}
	require.NoError(t, f.pub.PublishDelta(ctx, delta("Hi", 0), "Hi"))
	require.Equal(t, "Hi", string(recv(t, sub).Value[1:3]), "handed over by PublishDelta")
	f.publish(t, ev("e1", "g1", 2))
	require.Equal(t, int64(2), recv(t, sub).Seq, "through Redis")
	require.NoError(t, otherProcess.SendDeltas(ctx, Delta{Event: delta(" there", 2), Text: " there"}))
	got := recv(t, sub)
	require.True(t, got.Delta)
	require.Equal(t, int64(2), got.Offset, "another process's delta, through Redis")

	// The other process's event is the fence: the hub reads its one Redis
	// connection in order, so the copy of the first delta came before it.
	require.NoError(t, otherProcess.Publish(ctx, graphEv("e1", "g1", 3, "COMPLETED")))
	require.Equal(t, int64(3), recv(t, sub).Seq)
	requireEmpty(t, sub)
	require.Zero(t, f.hub.own.pending.Load(), "the copy expected came back")
}

// A copy that never comes back (the hub not subscribed, a failed PUBLISH)
// is forgotten after one to two ownCopyTTL; the same bytes registered
// twice are dropped twice.
func TestOwnCopiesAreForgotten(t *testing.T) {
	t.Parallel()
	o := newOwnCopies()
	o.expect("c", []byte("a"))
	o.expect("c", []byte("a"))
	o.expect("c", []byte("b"))
	require.False(t, o.take("d", "a"), "another channel")
	require.True(t, o.take("c", "a"))
	require.True(t, o.take("c", "a"))
	require.False(t, o.take("c", "a"))
	require.Equal(t, int64(1), o.pending.Load())

	o.rotated = o.rotated.Add(-ownCopyTTL) // "b" is a generation old
	o.expect("c", []byte("x"))
	require.Equal(t, int64(2), o.pending.Load())
	o.rotated = o.rotated.Add(-ownCopyTTL)
	o.expect("c", []byte("y")) // "b" forgotten
	require.Equal(t, int64(2), o.pending.Load())
	require.False(t, o.take("c", "b"))
	require.True(t, o.take("c", "x"))
	require.True(t, o.take("c", "y"))
	require.Zero(t, o.pending.Load())
}
