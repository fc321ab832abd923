package credentials

import (
	"context"
	"sync"
	"time"
)

// sharedReads lets the node runs of this process that read the same
// credential rows at the same moment share one read: when 50 node runs
// start at once, two reads go to Postgres rather than 50 that queue for
// the pool's connections and the database's CPU (ahead of a refresher's
// commit, on a busy machine).
//
// Each caller is answered by a read that began after it asked: a read in
// flight when a caller arrives may predate a change that caller must see
// (the credential deleted, refreshed), so it is not joined. The callers
// that arrive during it share the next one, begun when it ends.
type sharedReads[V any] struct {
	mu     sync.Mutex
	queues map[string]*readQueue[V] // a key is present while a read of it is in flight
}

// readQueue is a key's read that waits for the one in flight, if any
// caller arrived during that one.
type readQueue[V any] struct{ next *sharedRead[V] }

// sharedRead is one read and its outcome, for every caller that joined it.
type sharedRead[V any] struct {
	ctx     context.Context // its first caller's, without the cancellation
	read    func(context.Context) (V, error)
	done    chan struct{}
	callers int // joined it (under the group's mu)
	val     V   // read-only: shared by its callers
	err     error
}

// sharedReadTimeout bounds a shared read; each caller still waits only as
// long as its own context lets it.
const sharedReadTimeout = 30 * time.Second

// do answers the caller with read's outcome, its own or shared. Every
// caller of a key must pass a read of the same rows.
func (g *sharedReads[V]) do(ctx context.Context, key string, read func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	q, busy := g.queues[key]
	if !busy {
		if g.queues == nil {
			g.queues = map[string]*readQueue[V]{}
		}
		q = &readQueue[V]{}
		g.queues[key] = q
		g.mu.Unlock()
		v, err := read(ctx) // nobody joins it: its context is its caller's
		g.startNext(key, q)
		return v, err
	}
	r := q.next
	if r == nil {
		r = &sharedRead[V]{ctx: context.WithoutCancel(ctx), read: read, done: make(chan struct{})}
		q.next = r
	}
	r.callers++
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.val, r.err
	case <-ctx.Done():
		var zero V
		return zero, context.Cause(ctx)
	}
}

// startNext, as a key's read ends, starts the read its later callers
// joined, or forgets the key when none did.
func (g *sharedReads[V]) startNext(key string, q *readQueue[V]) {
	g.mu.Lock()
	r := q.next
	q.next = nil
	if r == nil {
		delete(g.queues, key)
	}
	g.mu.Unlock()
	if r == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(r.ctx, sharedReadTimeout)
		r.val, r.err = r.read(ctx)
		cancel()
		close(r.done)
		g.startNext(key, q)
	}()
}
