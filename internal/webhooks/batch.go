package webhooks

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// deliveryReq is one delivery waiting for its batch's commit.
type deliveryReq struct {
	d    db.Delivery
	res  db.DeliveryResult
	done chan struct{}
}

// Concurrent deliveries share one transaction through a batch.Batcher, as
// the engine's concurrent submits do (see internal/batch for why).

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
