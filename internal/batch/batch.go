// Package batch groups concurrent requests of one kind into one statement.
// 50 concurrent submits (or webhook deliveries) cost one or two round trips
// and one commit instead of 50, which is most of a burst's time; with a
// NOTIFY in every commit Postgres also serialises the commits, so one
// request per transaction would cap a server at a few hundred a second.
package batch

import "sync"

// MaxBatch bounds one statement's rows.
const MaxBatch = 500

// Batcher has no goroutine of its own: a caller that finds no batch in
// flight leads, running what is pending (its own request included);
// requests arriving meanwhile wait for the next batch, which a fresh
// goroutine leads so the first caller returns as soon as its own request
// is answered.
type Batcher[R any] struct {
	// Run answers every request of a batch (closing the done channel each
	// caller of Do waits on).
	Run func(reqs []*R)

	mu      sync.Mutex
	pending []*R
	busy    bool
}

// Do queues r and returns once done is closed (by Run).
func (b *Batcher[R]) Do(r *R, done <-chan struct{}) {
	b.mu.Lock()
	b.pending = append(b.pending, r)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	if lead {
		b.lead(false)
	}
	<-done
}

// lead runs batches of pending requests until none are left, handing the
// lead to a new goroutine after the first (own: already on one).
func (b *Batcher[R]) lead(own bool) {
	for {
		b.mu.Lock()
		reqs := b.pending
		if len(reqs) > MaxBatch {
			reqs, b.pending = reqs[:MaxBatch], reqs[MaxBatch:]
		} else {
			b.pending = nil
		}
		if len(reqs) == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.Run(reqs)
		if !own {
			go b.lead(true)
			return
		}
	}
}
