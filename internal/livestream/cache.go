package livestream

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// readTimeout bounds one shared read. The read does not stop when the
// consumer that started it goes away (others may be waiting for it), so it
// needs a bound of its own.
const readTimeout = 10 * time.Second

// cache holds values read once and shared by every stream of the process.
// Only values that never change once read belong in it (a graph version's
// nodes, an ended run's outputs), so an entry never goes stale and needs no
// invalidation. Concurrent gets of one key share one read; a failed read is
// not kept (the next get tries again). It is bounded by the bytes its
// values hold, least recently used out first; the newest entry is kept even
// when it alone is over the budget, since it is being shown right now.
type cache[K comparable, V any] struct {
	budget int
	read   func(ctx context.Context, k K) (v V, size int, keep bool, err error)

	mu    sync.Mutex
	m     map[K]*cacheEntry[K, V]
	lru   list.List // of *cacheEntry, most recently used first; kept entries only
	bytes int       // the sizes of the kept entries
}

type cacheEntry[K comparable, V any] struct {
	key  K
	done chan struct{} // closed once val, size and err are set
	val  V
	size int
	err  error
	elem *list.Element // nil while read, and for a value not kept
}

func newCache[K comparable, V any](budget int,
	read func(ctx context.Context, k K) (V, int, bool, error)) *cache[K, V] {
	return &cache[K, V]{budget: budget, read: read, m: map[K]*cacheEntry[K, V]{}}
}

// get returns k's value: from the cache, from a read already under way, or
// read now. ctx bounds only the caller's wait.
func (c *cache[K, V]) get(ctx context.Context, k K) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	if ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	e = &cacheEntry[K, V]{key: k, done: make(chan struct{})}
	c.m[k] = e
	c.mu.Unlock()

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
	v, size, keep, err := c.read(rctx, k)
	cancel()
	e.val, e.size, e.err = v, size, err
	c.mu.Lock()
	if err != nil || !keep {
		delete(c.m, k)
	} else {
		e.elem = c.lru.PushFront(e)
		c.bytes += size
		for c.bytes > c.budget && c.lru.Len() > 1 {
			old := c.lru.Remove(c.lru.Back()).(*cacheEntry[K, V])
			delete(c.m, old.key)
			c.bytes -= old.size
		}
	}
	c.mu.Unlock()
	close(e.done)
	return v, err
}
