package webhooks

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// maxBatch bounds one statement's rows.
const maxBatch = 500

// deliveryReq is one delivery waiting for its batch's commit.
type deliveryReq struct {
	d    db.Delivery
	res  db.DeliveryResult
	done chan struct{}
}

// batcher stores concurrent deliveries in one transaction, the way the
// engine's submit batcher (engine/submitbatch.go) stores concurrent
// submits: with a NOTIFY in every commit, Postgres serialises the commits,
// so one delivery per transaction caps a whole server at a few hundred a
// second. It has no goroutine of its own: a caller that finds no batch in
// flight leads, storing what is pending (its own delivery included);
// deliveries arriving meanwhile wait for the next batch, which a fresh
// goroutine leads so the first caller returns as soon as it is answered.
type batcher[R any] struct {
	mu      sync.Mutex
	pending []*R
	busy    bool
	run     func(reqs []*R) // answers every request (closes its done)
}

// do queues r and returns once done is closed (by run).
func (b *batcher[R]) do(r *R, done <-chan struct{}) {
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

// lead stores batches of pending deliveries until none are left, handing
// the lead to a new goroutine after the first (own: already on one).
func (b *batcher[R]) lead(own bool) {
	for {
		b.mu.Lock()
		reqs := b.pending
		if len(reqs) > maxBatch {
			reqs, b.pending = reqs[:maxBatch], reqs[maxBatch:]
		} else {
			b.pending = nil
		}
		if len(reqs) == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.run(reqs)
		if !own {
			go b.lead(true)
			return
		}
	}
}

// deliverBatch stores reqs in one transaction (the store retries them one
// by one if it fails) and tells the engine of the new runs once. The
// requests' contexts are not used: one client hanging up must not fail the
// others, and a run must not be stored after its client was told it failed.
func (s *Service) deliverBatch(reqs []*deliveryReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ds := make([]db.Delivery, len(reqs))
	for i, r := range reqs {
		ds[i] = r.d
	}
	res := s.store.WebhookDeliverMany(ctx, ds)
	var fresh []*model.GraphExecution
	for _, r := range res {
		if r.Err == nil && !r.Replay {
			fresh = append(fresh, r.Execution)
		}
	}
	if len(fresh) > 0 {
		s.onQueued(ctx, fresh)
	}
	for i, r := range reqs {
		r.res = res[i]
		close(r.done)
	}
}

// targetReq is one webhook lookup waiting for its batch.
type targetReq struct {
	id   uuid.UUID
	t    *db.WebhookTarget
	err  error
	done chan struct{}
}

// lookupBatch reads the webhooks of concurrent deliveries in one statement.
func (s *Service) lookupBatch(reqs []*targetReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := make([]uuid.UUID, len(reqs))
	for i, r := range reqs {
		ids[i] = r.id
	}
	ts, err := s.store.WebhooksForDelivery(ctx, ids)
	for _, r := range reqs {
		switch {
		case err != nil:
			r.err = err
		case ts[r.id] == nil:
			r.err = model.NotFound("webhook")
		default:
			r.t = ts[r.id]
		}
		close(r.done)
	}
}
