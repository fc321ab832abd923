package db

import (
	"context"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// ExecutionCounts is the live load and the last hour's failures.
type ExecutionCounts = dbsqlc.SystemExecutionCountsRow

// SystemExecutionCounts counts running/queued runs and recent failures.
func (s *Store) SystemExecutionCounts(ctx context.Context) (ExecutionCounts, error) {
	return s.q.SystemExecutionCounts(ctx, s.Pool)
}
