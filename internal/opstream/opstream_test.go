package opstream_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/opstream"
)

const waitTimeout = 5 * time.Second

// Items offered before the transport started draining are not lost,
// drains never overlap, items keep their order, and Limit bounds what waits
// unless forced.
func TestSignalOrderLimitAndEarlyOffers(t *testing.T) {
	t.Parallel()
	s := &opstream.Signal{}
	for i := range opstream.Limit {
		require.True(t, s.Offer(opstream.Item{Key: i}, false))
	}
	require.False(t, s.Offer(opstream.Item{Key: -1}, false), "over the limit")
	require.True(t, s.Offer(opstream.Item{Key: opstream.Limit}, true), "forced")
	got := make(chan int, 1000)
	active := make(chan struct{}, 1)
	s.Start(func(items []opstream.Item) {
		select {
		case active <- struct{}{}:
		default:
			t.Error("two drains at once")
		}
		for _, it := range items {
			got <- it.Key.(int)
		}
		<-active
	})
	for want := 0; want <= opstream.Limit; want++ {
		require.Equal(t, want, <-got)
	}
	for i := range 500 {
		require.True(t, s.Offer(opstream.Item{Key: 1000 + i}, true))
	}
	for want := 1000; want < 1500; want++ {
		select {
		case k := <-got:
			require.Equal(t, want, k)
		case <-time.After(waitTimeout):
			t.Fatalf("drained up to %d of 1500", want)
		}
	}
}
