package engine

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// batcher groups concurrent requests of one kind into one statement: 50
// concurrent submits cost one or two round trips (and, for inserts,
// commits) instead of 50, which is most of a burst's start-up time. It has
// no goroutine of its own: a caller that finds no batch in flight leads,
// running what is pending (its own request included); requests arriving
// meanwhile wait for the next batch, which a fresh goroutine leads so the
// first caller returns as soon as its own request is answered.
type batcher[R any] struct {
	mu      sync.Mutex
	pending []*R
	busy    bool
	run     func(reqs []*R) // answers every request
}

// maxBatch bounds one statement.
const maxBatch = 500

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

// lead runs one batch of pending requests, then hands the lead to a new
// goroutine if more are waiting (or keeps it when already on one).
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

type submitReq struct {
	n       db.NewExecution
	ex      *model.GraphExecution
	claimed *db.Claimed
	err     error
	done    chan struct{}
}

// insertClaimed stores a run claimed by this engine, in one INSERT with the
// runs submitted concurrently.
func (e *Engine) insertClaimed(n db.NewExecution) (*model.GraphExecution, *db.Claimed, error) {
	req := &submitReq{n: n, done: make(chan struct{})}
	e.inserts.do(req, req.done)
	return req.ex, req.claimed, req.err
}

type targetReq struct {
	q    db.TargetRequest
	t    *db.SubmitTarget
	err  error
	done chan struct{}
}

// submitTarget reads what a submit checks, in one statement with the
// submits made concurrently.
func (e *Engine) submitTarget(userID, graphID uuid.UUID, version int) (*db.SubmitTarget, error) {
	req := &targetReq{q: db.TargetRequest{UserID: userID, GraphID: graphID, Version: version}, done: make(chan struct{})}
	e.targets.do(req, req.done)
	return req.t, req.err
}

// lookupBatch answers reqs in one statement (their contexts are not used,
// as in insertBatch).
func (e *Engine) lookupBatch(reqs []*targetReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	qs := make([]db.TargetRequest, len(reqs))
	for i, r := range reqs {
		qs[i] = r.q
	}
	ts, errs, err := e.store.SubmitTargets(ctx, qs)
	for i, r := range reqs {
		if err != nil {
			r.err = err
		} else {
			r.t, r.err = ts[i], errs[i]
		}
		close(r.done)
	}
}

// insertBatch stores reqs in one statement. The submitters' contexts are
// not used: one cancelled request must not fail the others, and a run must
// not be stored after its submitter was told it failed. If the statement
// fails, each run is retried alone so every submitter gets its own answer.
func (e *Engine) insertBatch(reqs []*submitReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := make([]db.NewExecution, len(reqs))
	for i, r := range reqs {
		ns[i] = r.n
	}
	exs, cls, err := e.store.ExecutionInsertClaimed(ctx, ns, e.opts.Owner, e.leaseSeconds())
	if err != nil && len(reqs) > 1 {
		for _, r := range reqs {
			e.insertBatch([]*submitReq{r})
		}
		return
	}
	for i, r := range reqs {
		if err != nil {
			r.err = err
		} else {
			r.ex, r.claimed = exs[i], cls[i]
		}
		close(r.done)
	}
}
