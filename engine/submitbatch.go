package engine

import (
	"context"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// submitBatch groups the inserts of runs submitted here at the same time
// into one statement: 50 concurrent submits cost one or two commits instead
// of 50, which is most of a burst's start-up time. It has no goroutine of
// its own: a submitter that finds no insert in flight leads, inserting what
// is pending (its own run included); submits arriving meanwhile wait for
// the next insert, which a fresh goroutine leads so the first submitter
// returns as soon as its own run is stored.
type submitBatch struct {
	mu      sync.Mutex
	pending []*submitReq
	busy    bool
}

type submitReq struct {
	n       db.NewExecution
	ex      *model.GraphExecution
	claimed *db.Claimed
	err     error
	done    chan struct{}
}

// maxSubmitBatch bounds one insert statement.
const maxSubmitBatch = 500

// insertClaimed stores a run claimed by this engine, batched with the
// runs submitted concurrently.
func (e *Engine) insertClaimed(n db.NewExecution) (*model.GraphExecution, *db.Claimed, error) {
	req := &submitReq{n: n, done: make(chan struct{})}
	b := &e.submits
	b.mu.Lock()
	b.pending = append(b.pending, req)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	if lead {
		e.leadSubmits(false)
	}
	<-req.done
	return req.ex, req.claimed, req.err
}

// leadSubmits inserts one batch of pending runs, then hands the lead to a
// new goroutine if more are waiting (or keeps it when already on one).
func (e *Engine) leadSubmits(own bool) {
	b := &e.submits
	for {
		b.mu.Lock()
		reqs := b.pending
		if len(reqs) > maxSubmitBatch {
			reqs, b.pending = reqs[:maxSubmitBatch], reqs[maxSubmitBatch:]
		} else {
			b.pending = nil
		}
		if len(reqs) == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		e.insertBatch(reqs)
		if !own {
			go e.leadSubmits(true)
			return
		}
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
	exs, cls, err := e.store.ExecutionInsertClaimed(ctx, e.store.Pool, ns, e.opts.Owner, e.leaseSeconds())
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
