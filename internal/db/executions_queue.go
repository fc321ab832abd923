package db

import (
	"context"
	"time"
)

// QueueDepth is how many top-level runs wait for a worker (QUEUED) and how
// many a worker holds (RUNNING), across every process sharing the database,
// and how long the oldest waiting one has waited.
type QueueDepth struct {
	Queued, Running int64
	OldestQueued    time.Duration
}

// ExecutionQueueDepth reads the queue's depth (child runs, which their
// parent's worker starts itself, are not counted).
func (s *Store) ExecutionQueueDepth(ctx context.Context) (QueueDepth, error) {
	r, err := s.q.GraphExecutionQueueDepth(ctx, s.db)
	if err != nil {
		return QueueDepth{}, err
	}
	return QueueDepth{Queued: r.Queued, Running: r.Running,
		OldestQueued: time.Duration(r.OldestQueuedSeconds * float64(time.Second))}, nil
}
