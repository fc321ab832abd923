package db

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/model"
)

// snapshotTx is a consistent read: both statements see one committed state.
var snapshotTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// ExecutionSnapshot reads a run and its node executions (in creation
// order) in one read-only repeatable-read transaction, so a live stream's
// snapshot never pairs a run with node executions older or newer than it.
// Inside InTx it reads in the caller's transaction.
func (s *Store) ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.GraphExecution, []model.NodeExecution, error) {
	var e *model.GraphExecution
	var nodes []model.NodeExecution
	read := func(tx *Store) error {
		var err error
		if e, err = tx.ExecutionGet(ctx, id); err != nil {
			return err
		}
		m, err := tx.NodeExecutionsByExecutions(ctx, []uuid.UUID{id})
		nodes = m[id]
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
		return nil, nil, err
	}
	return e, nodes, nil
}
