package db

import (
	"context"
)

// ExecutionCounts is the live load and the last hour's failures.
type ExecutionCounts struct {
	Running        int64
	Queued         int64
	EndedLastHour  int64
	FailedLastHour int64
}

// SystemExecutionCounts counts running/queued runs and recent failures.
func (s *Store) SystemExecutionCounts(ctx context.Context) (ExecutionCounts, error) {
	r, err := s.q.SystemExecutionCounts(ctx, s.db)
	return ExecutionCounts{Running: r.Running, Queued: r.Queued, EndedLastHour: r.EndedLastHour,
		FailedLastHour: r.FailedLastHour}, err
}

// AutovacuumOn says whether the server runs autovacuum. Runs are updated
// in place many times and the housekeeper deletes old ones: without it,
// their dead rows stay and every read of runs slows down as they pile up.
func (s *Store) AutovacuumOn(ctx context.Context) (bool, error) {
	var setting string
	if err := s.db.QueryRow(ctx, "SHOW autovacuum").Scan(&setting); err != nil {
		return false, err
	}
	return setting == "on", nil
}
