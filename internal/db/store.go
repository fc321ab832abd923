// Package db is the store layer over the sqlc-generated queries in dbsqlc:
// it converts rows to model types and maps pgx.ErrNoRows to
// model.ErrNotFound, so callers never see pgtype or sqlc rows. Every method
// takes the executor explicitly (the pool, or a pgx.Tx from InTx), so one
// transaction can span several stores.
package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// DBTX is a pool or a transaction.
type DBTX = dbsqlc.DBTX

// Store holds the pool and the generated queries.
type Store struct {
	Pool *pgxpool.Pool
	q    *dbsqlc.Queries
}

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store { return &Store{Pool: pool, q: dbsqlc.New()} }

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise (also on panic, through the deferred rollback).
func (s *Store) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
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
	codeUniqueViolation = "23505"
	codeCheckViolation  = "23514"
)
