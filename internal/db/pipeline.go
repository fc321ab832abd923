package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeline runs sqlc's statements on one connection several to a round
// trip, for a path where each round trip is waited for by others (a
// credential's refresher, whose commit the waiting node runs wait for).
// Exec only queues its statement; QueryRow and Query send what is queued,
// their own statement and the statements queued with then, as one batch
// (one Sync: an implicit transaction unless they include BEGIN or COMMIT),
// and return their rows; flush sends what is still queued and reads every
// remaining result, returning the first error, so an Exec's error comes
// from the next QueryRow, Query or flush. A failed statement skips the
// rest of its batch (Postgres ignores them until the Sync).
type pipeline struct {
	conn   *pgxpool.Conn
	queued *pgx.Batch
	after  []string         // sent after the next QueryRow's or Query's statement
	br     pgx.BatchResults // the batch sent, until flush
}

func newPipeline(conn *pgxpool.Conn) *pipeline { return &pipeline{conn: conn, queued: &pgx.Batch{}} }

// then queues statements (without arguments) to follow the next
// statement that returns rows, in its batch: a COMMIT after the UPDATE.
func (p *pipeline) then(sql ...string) { p.after = append(p.after, sql...) }

func (p *pipeline) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	p.queued.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

// send sends the queued statements and the one returning rows, and reads
// the results before it.
func (p *pipeline) send(ctx context.Context, sql string, args []any) error {
	if p.br != nil {
		if err := p.br.Close(); err != nil {
			return err
		}
	}
	b := p.queued
	ahead := b.Len()
	b.Queue(sql, args...)
	for _, s := range p.after {
		b.Queue(s)
	}
	p.after, p.queued = nil, &pgx.Batch{}
	p.br = p.conn.SendBatch(ctx, b)
	for range ahead {
		if _, err := p.br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipeline) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := p.send(ctx, sql, args); err != nil {
		return errRow{err}
	}
	return p.br.QueryRow()
}

func (p *pipeline) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.send(ctx, sql, args); err != nil {
		return nil, err
	}
	return p.br.Query()
}

// flush reads the sent batch's remaining results (the rows handed out
// must have been read and closed: sqlc's methods do) and sends and reads
// what is queued.
func (p *pipeline) flush(ctx context.Context) error {
	if p.br != nil {
		err := p.br.Close()
		p.br = nil
		if err != nil {
			return err
		}
	}
	if p.queued.Len() == 0 {
		return nil
	}
	b := p.queued
	p.queued = &pgx.Batch{}
	return p.conn.SendBatch(ctx, b).Close()
}

// CopyFrom and SendBatch (sqlc's :copyfrom and :batch queries) are not
// for a pipeline: they go to the connection as they are, not in order
// with what is queued.
func (p *pipeline) CopyFrom(ctx context.Context, t pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return p.conn.CopyFrom(ctx, t, cols, src)
}

func (p *pipeline) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return p.conn.SendBatch(ctx, b)
}

// errRow is a row whose statement was never run: its Scan fails.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
