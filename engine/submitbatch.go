package engine

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

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
	e.inserts.Do(req, req.done)
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
	e.targets.Do(req, req.done)
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
