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

// ExecutionSnapshot reads a run and its node executions (in creation order)
// in one read-only repeatable-read transaction. Inside InTx it reads in the
// caller's transaction. It does not check ownership: callers do.
func (s *Store) ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.ExecutionSnapshot, error) {
	snap := &model.ExecutionSnapshot{At: time.Now().UTC()}
	read := func(tx *Store) error {
		var err error
		if snap.Execution, err = tx.ExecutionGet(ctx, id); err != nil {
			return err
		}
		m, err := tx.NodeExecutionsByExecutions(ctx, []uuid.UUID{id})
		snap.NodeExecutions = m[id]
		return err
	}
	var err error
	if s.inTx {
		err = read(s)
	} else {
		err = pgx.BeginTxFunc(ctx, s.pool, snapshotTx, func(tx pgx.Tx) error {
			return read(&Store{db: tx, pool: s.pool, inTx: true, q: s.q})
		})
	}
	if err != nil {
		return nil, err
	}
	return snap, nil
}
