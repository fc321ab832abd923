package db

import (
	"context"
	"time"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/google/uuid"
)

// ExecutionSnapshot reads a run and its node executions (in creation order)
// in one statement, so they agree with the run's last_seq (a live stream
// would otherwise skip or repeat the events committed between two reads).
// Inside InTx it reads in the caller's transaction. It does not check
// ownership: callers do.
func (s *Store) ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.ExecutionSnapshot, error) {
	snap := &model.ExecutionSnapshot{At: time.Now().UTC()}
	rows, err := s.q.GraphExecutionSnapshot(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].ID != id {
		return nil, model.NotFound("execution")
	}
	snap.Execution = executionFromRow(rows[0])
	snap.NodeExecutions = make([]model.NodeExecution, len(rows)-1)
	for i, r := range rows[1:] {
		// The node execution's columns, where the query put them in the
		// run's (GraphExecutionSnapshot).
		snap.NodeExecutions[i] = nodeExecutionFromRow(dbsqlc.NodeExecution{ID: r.ID, GraphExecutionID: r.UserID,
			NodeID: r.GraphID, Status: r.Status, Inputs: r.Inputs, Outputs: r.Outputs, CreatedAt: r.CreatedAt,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt, ErrorMessage: r.ErrorMessage, Stats: r.Stats})
	}
	return snap, nil
}
