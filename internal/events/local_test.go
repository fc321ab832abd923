package events

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// With DeliverLocally, the hub's subscribers get a delta from the
// publishing call itself: a hub that never subscribed to Redis (not
// started) receives it, and only its subscribers of that execution. A hub
// of another prefix is refused.
func TestDeltasDeliveredLocally(t *testing.T) {
	t.Parallel()
	f := newStoppedFixture(t, HubOptions{})
	require.Error(t, f.pub.DeliverLocally(NewHub(f.rdb, "other:", nil, HubOptions{})))
	require.NoError(t, f.pub.DeliverLocally(f.hub))
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
	requireEmpty(t, other)
}

// With DeliverLocally, Publish hands sequenced events to the hub's
// subscribers itself, before Redis sends them (the hub here never
// subscribed to Redis): each execution's in order, GRAPH_STATUS also to
// the graph's subscribers, and nothing to subscribers of other channels.
func TestPublishDeliversLocally(t *testing.T) {
	t.Parallel()
	f := newStoppedFixture(t, HubOptions{})
	require.NoError(t, f.pub.DeliverLocally(f.hub))
	sub := f.hub.SubscribeExecution("e1")
	graph := f.hub.SubscribeGraph("g1")
	other := f.hub.SubscribeExecution("e3")
	var fn []Event
	fsub := f.hub.SubscribeExecutionFunc("e2", func(e *Event) { fn = append(fn, *e) })
	defer fsub.Close()

	sent := []Event{ev("e1", "g1", 1), ev("e2", "g2", 1), ev("e1", "g1", 2), graphEv("e1", "g1", 3, "COMPLETED")}
	f.publish(t, sent...)
	for _, want := range []Event{sent[0], sent[2], sent[3]} {
		select {
		case got := <-sub.C:
			require.Equal(t, want, *got)
		default:
			t.Fatalf("seq %d was not handed over by Publish", want.Seq)
		}
	}
	select {
	case got := <-graph.C:
		require.Equal(t, sent[3], *got)
	default:
		t.Fatal("GRAPH_STATUS was not handed to the graph's subscriber by Publish")
	}
	require.Equal(t, []Event{sent[1]}, fn)
	requireEmpty(t, sub)
	requireEmpty(t, other)
}

// Redis's copies of what the process's own Publisher handed over are
// dropped unread, so each subscriber gets every event once, deltas
// included; another publisher's events (another process) still come
// through Redis.
func TestOwnCopiesFromRedisAreDropped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	require.NoError(t, f.pub.DeliverLocally(f.hub))
	otherProcess := NewPublisher(f.rdb, f.hub.prefix)
	sub := f.hub.SubscribeExecution("e1")
	graph := f.hub.SubscribeGraph("g1")
	ctx := context.Background()

	f.publish(t, ev("e1", "g1", 1), ev("e1", "g1", 2))
	d := ev("e1", "g1", 2)
	d.Kind, d.Delta, d.NodeExecutionID, d.Offset = KindNodeOutputDelta, true, "nx1", 0
	d.Value, _ = json.Marshal("Hi")
	require.NoError(t, f.pub.PublishDelta(ctx, d, "Hi"))
	f.publish(t, graphEv("e1", "g1", 3, "RUNNING"))
	require.Equal(t, int64(1), recv(t, sub).Seq)
	require.Equal(t, int64(2), recv(t, sub).Seq)
	require.True(t, recv(t, sub).Delta)
	require.Equal(t, int64(3), recv(t, sub).Seq)
	require.Equal(t, int64(3), recv(t, graph).Seq)

	// The other process's event is the fence: the hub reads its one Redis
	// connection in order, so the copies of the above came before it.
	require.NoError(t, otherProcess.Publish(ctx, graphEv("e1", "g1", 4, "COMPLETED")))
	require.Equal(t, int64(4), recv(t, sub).Seq)
	require.Equal(t, int64(4), recv(t, graph).Seq)
	requireEmpty(t, sub)
	requireEmpty(t, graph)
	require.Zero(t, f.hub.own.pending.Load(), "every copy expected came back")
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
