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
