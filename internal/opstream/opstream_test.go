package opstream_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/opstream"
)

const waitTimeout = 5 * time.Second

// Values signalled before the transport started draining are not lost,
// and drains never overlap (the order of a stream is kept).
func TestSignalOrderAndEarlyReady(t *testing.T) {
	t.Parallel()
	s := &opstream.Signal{}
	s.Ready()
	s.Ready()
	got := make(chan int, 1000)
	active := make(chan struct{}, 1)
	s.Start(func(n int) {
		select {
		case active <- struct{}{}:
		default:
			t.Error("two drains at once")
		}
		got <- n
		<-active
	})
	total := 0
	for total < 2 {
		total += <-got
	}
	for range 500 {
		go s.Ready()
	}
	for total < 502 {
		select {
		case n := <-got:
			total += n
		case <-time.After(waitTimeout):
			t.Fatalf("drained %d of 502", total)
		}
	}
	require.Equal(t, 502, total)
}
