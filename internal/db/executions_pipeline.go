package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// applyPipelined writes a batch without credits in two round trips where
// the transaction of ExecutionApplyBatch's general path takes one per
// statement (BEGIN, up to six statements, COMMIT): BEGIN and every
// statement go out together as one pipeline, and COMMIT (or ROLLBACK)
// follows once their answers check out. On a machine where a round trip
// costs each side two system calls and a wake-up, those were most of what
// a group commit cost the engine's process and its Postgres backend
// beyond the rows themselves (the api bench: ~1.8 round trips a run).
// The statements are sqlc's, queued as its methods send them (queue).
func (s *Store) applyPipelined(ctx context.Context, b *ExecutionBatch, inserts, updates []NodeExecutionWrite) error {
	enc, err := encodeBatch(b, inserts, updates)
	if err != nil {
		return err
	}
	q := &queue{}
	q.b.Queue("begin")
	q.b.Queue(GroupCommitPlans)
	applyAt, updateAt := -1, -1
	if enc.runs != nil {
		applyAt = q.b.Len()
		_, _ = s.q.GraphExecutionApplyMany(ctx, q, dbsqlc.GraphExecutionApplyManyParams{
			LeaseSeconds: b.LeaseSeconds, Owner: b.Owner, Rows: enc.runs})
	}
	if enc.inserts != nil {
		_, _ = s.q.NodeExecutionInsertMany(ctx, q, enc.inserts)
	}
	if enc.updates != nil {
		updateAt = q.b.Len()
		_, _ = s.q.NodeExecutionUpdateMany(ctx, q, enc.updates)
	}
	if err := s.writeInputsAndLogs(ctx, q, b); err != nil {
		return err
	}

	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Release() // a connection left in a transaction is closed, not reused
	ids, updated, err := readPipeline(conn.SendBatch(ctx, &q.b), q.b.Len(), applyAt, updateAt)
	if err == nil && applyAt >= 0 && len(ids) != len(b.Runs) {
		err = errRunMismatch
	}
	if err == nil && updateAt >= 0 && int(updated) != len(updates) {
		err = model.ConflictError("%d of %d node execution status moves refused (illegal or concurrent move)", len(updates)-int(updated), len(updates))
	}
	if err != nil {
		_, _ = conn.Exec(ctx, "rollback") // failed: the pool closes the connection, left in a transaction
		if errors.Is(err, errRunMismatch) {
			return s.explainRunMismatch(ctx, b, ids)
		}
		return err
	}
	if _, err := conn.Exec(ctx, "commit"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// errRunMismatch: the runs' update did not apply to every run of the batch.
var errRunMismatch = errors.New("run moves refused")

// readPipeline reads the answers of a pipeline of n statements: the ids
// GraphExecutionApplyMany returned (at applyAt) and the rows
// NodeExecutionUpdateMany updated (at updateAt); the first error, wrapped
// with what failed, stops it.
func readPipeline(br pgx.BatchResults, n, applyAt, updateAt int) (ids []uuid.UUID, updated int64, err error) {
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for i := range n {
		if i == applyAt {
			rows, _ := br.Query()
			ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			if err != nil {
				return nil, 0, fmt.Errorf("apply runs: %w", err)
			}
			continue
		}
		tag, err := br.Exec()
		if err != nil {
			return ids, 0, fmt.Errorf("group commit statement %d: %w", i, err)
		}
		if i == updateAt {
			updated = tag.RowsAffected()
		}
	}
	return ids, updated, nil
}

// queue is a dbsqlc.DBTX that sends nothing: it queues each statement
// sqlc's methods make, to be sent as one pipeline. Their results are read
// from the pipeline; what the methods return is empty.
type queue struct{ b pgx.Batch }

func (q *queue) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.b.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (q *queue) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	q.b.Queue(sql, args...)
	return emptyRows{}, nil
}

var errQueued = errors.New("db: a queued statement has no row yet")

func (q *queue) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	q.b.Queue(sql, args...)
	return emptyRows{}
}

func (q *queue) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errors.New("db: COPY cannot be queued")
}

func (q *queue) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	panic("db: a batch cannot be queued")
}

// emptyRows is what a queued query returns to the sqlc method that made it.
type emptyRows struct{}

func (emptyRows) Close()                                       {}
func (emptyRows) Err() error                                   { return nil }
func (emptyRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (emptyRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (emptyRows) Next() bool                                   { return false }
func (emptyRows) Scan(...any) error                            { return errQueued }
func (emptyRows) Values() ([]any, error)                       { return nil, errQueued }
func (emptyRows) RawValues() [][]byte                          { return nil }
func (emptyRows) Conn() *pgx.Conn                              { return nil }
func (emptyRows) TypeMap() *pgtype.Map                         { return nil }
