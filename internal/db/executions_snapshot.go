package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/model"
)

// snapshotTx is one consistent view of the database: the run and its node
// executions must agree with the run's last_seq, or a live stream would skip
// or repeat the events committed between the two statements.
var snapshotTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// ExecutionSnapshot reads a run and its node executions in one
// repeatable-read, read-only transaction on the pool. It does not check
// ownership: callers do.
func (s *Store) ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.ExecutionSnapshot, error) {
	snap := &model.ExecutionSnapshot{At: time.Now().UTC()}
	err := pgx.BeginTxFunc(ctx, s.Pool, snapshotTx, func(tx pgx.Tx) error {
		row, err := s.q.GraphExecutionGet(ctx, tx, id)
		if err != nil {
			return notFound(err, "execution")
		}
		snap.Execution = executionFromRow(row)
		nodes, err := s.q.NodeExecutionListByExecutions(ctx, tx, []uuid.UUID{id})
		if err != nil {
			return err
		}
		snap.NodeExecutions = make([]model.NodeExecution, len(nodes))
		for i, n := range nodes {
			snap.NodeExecutions[i] = nodeExecutionFromRow(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}
