package credentials

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A caller never gets a read that began before it asked: the callers that
// arrive while one is in flight share the next, one read for all of them,
// begun when the first ends; the next caller after that reads alone again.
func TestSharedReadsAnswerEachCallerWithALaterRead(t *testing.T) {
	var g sharedReads[int]
	var started atomic.Int32
	release := make(chan struct{}, 10)
	read := func(context.Context) (int, error) {
		n := int(started.Add(1))
		<-release
		return n, nil
	}
	ctx := context.Background()

	first := make(chan int, 1)
	go func() { v, _ := g.do(ctx, "k", read); first <- v }()
	require.Eventually(t, func() bool { return started.Load() == 1 }, 5*time.Second, time.Millisecond)

	const later = 20
	got := make(chan int, later)
	var wg sync.WaitGroup
	for range later {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := g.do(ctx, "k", read)
			assert.NoError(t, err)
			got <- v
		}()
	}
	// Every later caller joins the next read while the first is in flight.
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		next := g.queues["k"].next
		return next != nil && next.callers == later
	}, 5*time.Second, time.Millisecond)
	release <- struct{}{}
	require.Equal(t, 1, <-first)
	release <- struct{}{}
	wg.Wait()
	close(got)
	for v := range got {
		require.Equal(t, 2, v, "the callers that came during the first read share the second")
	}
	require.EqualValues(t, 2, started.Load(), "two reads for 21 callers")

	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.queues) == 0
	}, 5*time.Second, time.Millisecond, "a key is forgotten when no read of it is in flight")
	release <- struct{}{}
	v, err := g.do(ctx, "k", read)
	require.NoError(t, err)
	require.Equal(t, 3, v, "a caller with no read in flight reads itself")
}

// A caller that gives up waiting returns its context's error; the read it
// joined still answers the others.
func TestSharedReadsCallerCancelled(t *testing.T) {
	var g sharedReads[string]
	release := make(chan struct{})
	read := func(context.Context) (string, error) { <-release; return "row", nil }
	go func() { _, _ = g.do(context.Background(), "k", read) }()
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.queues) == 1
	}, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { _, err := g.do(ctx, "k", read); gaveUp <- err }()
	other := make(chan string, 1)
	go func() { v, _ := g.do(context.Background(), "k", read); other <- v }()
	require.Eventually(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.queues["k"].next != nil
	}, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-gaveUp, context.Canceled)
	close(release)
	require.Equal(t, "row", <-other)
}
