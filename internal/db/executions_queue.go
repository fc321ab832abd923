package db

import "context"

// QueueDepth is how many top-level runs wait for a worker (QUEUED) and how
// many a worker holds (RUNNING), across every process sharing the database.
type QueueDepth struct {
	Queued, Running int64
}

// ExecutionQueueDepth reads the queue's depth (child runs, which their
// parent's worker starts itself, are not counted).
func (s *Store) ExecutionQueueDepth(ctx context.Context) (QueueDepth, error) {
	r, err := s.q.GraphExecutionQueueDepth(ctx, s.db)
	if err != nil {
		return QueueDepth{}, err
	}
	return QueueDepth{Queued: r.Queued, Running: r.Running}, nil
}
