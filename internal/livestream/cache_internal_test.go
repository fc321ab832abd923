package livestream

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sizedReads is a read function for the cache: key k is a value of k bytes.
// release, when set, holds every read until it is closed.
type sizedReads struct {
	n       atomic.Int64
	release chan struct{}
	started chan struct{}
}

func (s *sizedReads) read(ctx context.Context, k int) (int, int, bool, error) {
	s.n.Add(1)
	if s.release != nil {
		s.started <- struct{}{}
		<-s.release
	}
	return k * 10, k, true, nil
}

// The cache keeps what its budget holds, least recently used out first,
// and always the newest entry even when it alone is over the budget.
func TestCacheEvictsTheLeastRecentlyUsedOverItsBudget(t *testing.T) {
	t.Parallel()
	reads := &sizedReads{}
	c := newCache(10, reads.read)
	ctx := context.Background()
	get := func(k int) {
		t.Helper()
		v, err := c.get(ctx, k)
		require.NoError(t, err)
		require.Equal(t, k*10, v)
	}
	get(4)
	get(5)
	get(4) // 4 is now the most recently used
	require.EqualValues(t, 2, reads.n.Load())
	get(3) // 12 bytes: 5 goes
	require.EqualValues(t, 3, reads.n.Load())
	get(4)
	get(3)
	require.EqualValues(t, 3, reads.n.Load(), "4 and 3 stayed")
	get(5)
	require.EqualValues(t, 4, reads.n.Load(), "5 was read again")
	get(30) // over the budget alone: kept, everything else goes
	get(30)
	require.EqualValues(t, 5, reads.n.Load())
	require.Equal(t, 30, c.bytes)
	require.Equal(t, 1, c.lru.Len())
}

// Concurrent gets of one key share one read; a waiter whose context ends
// stops waiting, and the read goes on for the others.
func TestCacheSharesOneReadBetweenConcurrentGets(t *testing.T) {
	t.Parallel()
	reads := &sizedReads{release: make(chan struct{}), started: make(chan struct{}, 1)}
	c := newCache(100, reads.read)
	first, cancelFirst := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.get(first, 7)
		firstDone <- err
	}()
	<-reads.started // the first get is reading
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get(context.Background(), 7)
			assert.NoError(t, err)
			assert.Equal(t, 70, v)
		}()
	}
	cancelFirst() // the first caller leaves; its read must still serve the others
	close(reads.release)
	wg.Wait()
	require.NoError(t, <-firstDone, "the reader itself gets what it read")
	require.EqualValues(t, 1, reads.n.Load())

	waiting, cancel := context.WithCancel(context.Background())
	cancel()
	reads2 := &sizedReads{release: make(chan struct{}), started: make(chan struct{}, 1)}
	c2 := newCache(100, reads2.read)
	go func() { _, _ = c2.get(context.Background(), 1) }()
	<-reads2.started
	_, err := c2.get(waiting, 1)
	require.ErrorIs(t, err, context.Canceled, "a waiter whose context ended stops waiting")
	close(reads2.release)
}
