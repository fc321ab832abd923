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

// A subscriber that joins after a delta was handed over here but before it
// was sent (DeliverDelta, then SendDeltas, which the engine runs later on
// a sender goroutine) gets it from Redis: its stream's partial-text read
// may have come before the text was appended, so that copy is the only
// one it sees. Dropping Redis's copies of the deltas handed over here was
// tried for the decode it saves, and lost exactly this delta.
func TestDeltaReachesASubscriberThatJoinsBeforeItIsSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	require.NoError(t, f.pub.DeliverDeltasLocally(f.hub))
	ctx := context.Background()

	d := ev("e1", "g1", 1)
	d.Kind, d.Delta, d.NodeExecutionID = KindNodeOutputDelta, true, "nx1"
	d.Value, _ = json.Marshal("Hi")
	require.NoError(t, f.pub.DeliverDelta(d))
	late := f.hub.SubscribeExecution("e1")
	require.NoError(t, f.pub.SendDeltas(ctx, Delta{Event: d, Text: "Hi"}))
	got := recv(t, late)
	require.True(t, got.Delta)
	require.JSONEq(t, `"Hi"`, string(got.Value))
}
