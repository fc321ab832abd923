package db

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listener is a connection of its own following Postgres notifications.
type Listener struct{ conn *pgxpool.Conn }

// Listen takes a connection from the pool and LISTENs on channels. The
// connection is the listener's until Close: notifications arrive on it only.
func (s *Store) Listen(ctx context.Context, channels ...string) (*Listener, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	l := &Listener{conn: conn}
	stmts := make([]string, len(channels))
	for i, c := range channels {
		stmts[i] = "LISTEN " + pgx.Identifier{c}.Sanitize()
	}
	if _, err := conn.Exec(ctx, strings.Join(stmts, "; ")); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Wait blocks until a notification arrives, or ctx ends or the connection
// fails (then the listener is done: Close it and Listen again).
func (l *Listener) Wait(ctx context.Context) (channel, payload string, err error) {
	n, err := l.conn.Conn().WaitForNotification(ctx)
	if err != nil {
		return "", "", err
	}
	return n.Channel, n.Payload, nil
}

// Close closes the connection rather than returning it to the pool, where
// it would keep its LISTENs and collect notifications nobody reads.
func (l *Listener) Close() {
	_ = l.conn.Conn().Close(context.Background())
	l.conn.Release()
}
