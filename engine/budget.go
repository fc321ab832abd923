package engine

import (
	"context"
	"sync/atomic"

	"github.com/google/uuid"
)

// budget is a run's maxCost (executeGraph's), shared with its child runs
// (AgentExecutorBlock), which charge the same user node by node: what the
// run and its children hold of the user's credits counts against it
// together. Without sharing, a child started by a run with a budget of 2
// ran a node reserving 10. The runs of one tree each hold their own lock,
// so the sum is kept apart from them, atomically.
type budget struct {
	limit int64
	held  atomic.Int64 // charges committed or being committed, less what was given back
	// seeded are the runs below the budget's run whose charges held
	// already counts: a run taken over after a crash (loadRun) starts
	// holding what its child runs spent, finished ones included, and a
	// child it adopts again must not count its charges twice. Written
	// before the run starts, only read after.
	seeded map[uuid.UUID]bool
}

// budgetFor is the budget a run counts against: its own maxCost, else its
// parent's (nil: none).
func budgetFor(maxCost *int64, parent *run) *budget {
	if maxCost != nil {
		return &budget{limit: *maxCost}
	}
	if parent != nil {
		return parent.budget
	}
	return nil
}

// take holds amount unless that passes the limit; left is what was left.
func (b *budget) take(amount int64) (ok bool, left int64) {
	for {
		held := b.held.Load()
		if held+amount > b.limit {
			return false, max(0, b.limit-held)
		}
		if b.held.CompareAndSwap(held, held+amount) {
			return true, 0
		}
	}
}

// hold changes what r holds of its user's credits by amount (negative:
// given back), for its budget too. Caller holds r.mu.
func (r *run) hold(amount int64) {
	r.spentTotal += amount
	if r.budget != nil {
		r.budget.held.Add(amount)
	}
}

// seedDescendants makes r's budget hold what the runs below r hold
// charged. Only a run taken over after a crash needs it: its workers'
// memory of its children's spend died with them. r is a top-level run
// with a budget, not yet started.
func (r *run) seedDescendants(ctx context.Context) error {
	charged, err := r.e.store.ExecutionDescendantCharges(ctx, r.id)
	if err != nil || len(charged) == 0 {
		return err
	}
	r.budget.seeded = make(map[uuid.UUID]bool, len(charged))
	for id, amount := range charged {
		r.budget.held.Add(amount)
		r.budget.seeded[id] = true
	}
	return nil
}

// holdResumed counts a resumed node execution's charge as r's; against
// the budget too, unless it is already there (seedDescendants).
func (r *run) holdResumed(amount int64) {
	if r.budget != nil && r.parent != nil && r.budget.seeded[r.id] {
		r.spentTotal += amount
		return
	}
	r.hold(amount)
}
