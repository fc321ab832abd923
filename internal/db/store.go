// Package db is the store layer over the sqlc-generated queries in dbsqlc:
// it converts rows to model types and maps pgx.ErrNoRows to
// model.ErrNotFound, so callers never see pgtype, sqlc rows or the pool.
// A Store works on the pool; InTx hands its callback a Store bound to one
// transaction, with the same methods, so one transaction can span several.
package db

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// executor is what statements run on: the pool, or a transaction. Both
// begin a transaction (a savepoint, inside a transaction).
type executor interface {
	dbsqlc.DBTX
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store is the application's access to Postgres.
type Store struct {
	db   executor      // the pool, or the transaction of InTx
	pool *pgxpool.Pool // for a connection of its own (Listen) or a transaction with options
	q    *dbsqlc.Queries
	// authChanges counts the writes to users and API keys made through
	// this Store and the ones derived from it (AuthChanges).
	authChanges *atomic.Uint64
}

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{db: pool, pool: pool, q: dbsqlc.New(), authChanges: new(atomic.Uint64)}
}

// InTx runs fn with a Store bound to a new transaction, committing when fn
// returns nil and rolling back otherwise (also on panic, through the
// deferred rollback). Called on a Store already in a transaction, fn runs
// in a savepoint of it, so methods that need a transaction of their own
// compose inside a caller's.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(&Store{db: tx, pool: s.pool, q: s.q, authChanges: s.authChanges}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// notFound maps no-rows to model.ErrNotFound naming what was looked for.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return model.NotFound(what)
	}
	return err
}

// constraint reports the name of a violated unique/check/foreign-key
// constraint, or "" when err is something else.
func constraint(err error) (code, name string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, pgErr.ConstraintName
	}
	return "", ""
}

const (
	codeUniqueViolation     = "23505"
	codeCheckViolation      = "23514"
	codeForeignKeyViolation = "23503"
)
