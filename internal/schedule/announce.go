package schedule

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// dueSlack is how long after a run's not-before time the workers are
// woken, so that the database's clock (which the claim compares with) has
// surely passed it too on a host whose clock runs slightly ahead.
const dueSlack = 5 * time.Millisecond

// announce tells of the runs a firing stored: those due now at once; those
// fired ahead when their occurrence comes, grouped by that time — their
// QUEUED events and the workers' wake-up then, and only for the runs still
// there (a pause meanwhile takes them back, and nobody was told of them).
// The workers also find them on their claim poll, so a lost timer (this
// process exits) delays a run by at most a poll interval.
func (s *Scheduler) announce(ctx context.Context, runs []*model.GraphExecution) {
	var now []*model.GraphExecution
	later := map[time.Time][]*model.GraphExecution{}
	for _, r := range runs {
		if r.NotBefore == nil || time.Until(*r.NotBefore) <= 0 {
			now = append(now, r)
		} else {
			later[*r.NotBefore] = append(later[*r.NotBefore], r)
		}
	}
	if len(now) > 0 {
		s.onQueued(ctx, now)
	}
	for at, rs := range later {
		time.AfterFunc(time.Until(at)+dueSlack, func() {
			if ctx.Err() != nil {
				return
			}
			s.announceDue(ctx, rs)
		})
	}
}

// announceDue publishes the QUEUED events of the runs among rs still
// stored and wakes every worker's claim loop (one NOTIFY).
func (s *Scheduler) announceDue(ctx context.Context, rs []*model.GraphExecution) {
	ids := make([]uuid.UUID, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	kept, err := s.store.ExecutionsExisting(ctx, ids)
	if err != nil {
		s.log.Warn("scheduler: announcing runs now due; the workers' poll finds them", "err", err)
		return
	}
	var due []*model.GraphExecution
	for _, r := range rs {
		if kept[r.ID] {
			due = append(due, r)
		}
	}
	if len(due) == 0 {
		return
	}
	s.onQueued(ctx, due)
	if err := s.store.NotifyExecutionQueued(ctx, due[0].ID); err != nil {
		s.log.Warn("scheduler: waking the workers for runs now due; their poll finds them", "err", err)
	}
}
