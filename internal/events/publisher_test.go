package events

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPublishTruncatesBigValue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	sub := f.hub.SubscribeExecution("e1")

	big := ev("e1", "g1", 1)
	big.Value = append(append([]byte(`"`), bytes.Repeat([]byte("x"), DefaultMaxInlineValue)...), '"')
	exact := ev("e1", "g1", 2)
	exact.Value = append(append([]byte(`"`), bytes.Repeat([]byte("y"), DefaultMaxInlineValue-2)...), '"')
	f.publish(t, big, exact)

	got := recv(t, sub)
	require.True(t, got.ValueTruncated)
	require.Nil(t, got.Value)
	require.Len(t, big.Value, DefaultMaxInlineValue+2, "caller's event must not be modified")

	got = recv(t, sub)
	require.False(t, got.ValueTruncated)
	require.JSONEq(t, string(exact.Value), string(got.Value))

	f.pub.MaxInlineValue = 4
	f.publish(t, ev("e1", "g1", 3)) // {"i":3} is 7 bytes
	got = recv(t, sub)
	require.True(t, got.ValueTruncated)
	require.Nil(t, got.Value)
}

// A run's outputs ride its terminal event only when small; else
// subscribers read them.
func TestPublishLeavesOutBigOutputs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	sub := f.hub.SubscribeExecution("e1")
	small, big := ev("e1", "g1", 1), ev("e1", "g1", 2)
	small.Kind, small.Status, small.Outputs = KindGraphStatus, "COMPLETED", []byte(`{"y":[1]}`)
	big.Kind, big.Status = KindGraphStatus, "FAILED"
	big.Outputs = append(append([]byte(`{"y":["`), bytes.Repeat([]byte("x"), DefaultMaxInlineValue)...), `"]}`...)
	f.publish(t, small, big)
	require.JSONEq(t, `{"y":[1]}`, string(recv(t, sub).Outputs))
	require.Nil(t, recv(t, sub).Outputs)
}

func TestPublishValidates(t *testing.T) {
	t.Parallel()
	f := newStoppedFixture(t, HubOptions{})
	ctx := context.Background()
	require.NoError(t, f.pub.Publish(ctx))
	require.Error(t, f.pub.Publish(ctx, ev("e1", "g1", 1), ev("", "g1", 2)))
	require.Error(t, f.pub.Publish(ctx, ev("e1", "", 1)))
	bad := ev("e1", "g1", 1)
	bad.Value = []byte("{not json")
	require.Error(t, f.pub.Publish(ctx, bad))
}

func TestPublishFillsTimestamp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, HubOptions{})
	sub := f.hub.SubscribeExecution("e1")
	f.publish(t, Event{ExecutionID: "e1", GraphID: "g1", Seq: 1, Kind: KindGraphStatus, Status: "RUNNING"})
	require.False(t, recv(t, sub).At.IsZero())
}
