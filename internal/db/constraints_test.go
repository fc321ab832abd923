package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestSeedConstraints: every constraint of the seed (and those the
// foundation adds) refuses a violating row in Postgres itself, whatever the
// application does.
func TestSeedConstraints(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) error {
		_, err := pool.Exec(ctx, sql, args...)
		return err
	}
	var uid, gid, nid string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email) VALUES ('c1@example.com') RETURNING id`).Scan(&uid))
	require.NoError(t, exec(`INSERT INTO blocks (id, name) VALUES ('11111111-1111-4111-8111-111111111111', 'ConstraintTestBlock') ON CONFLICT DO NOTHING`))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO graphs (id, version, user_id, name) VALUES (gen_random_uuid(), 1, $1, 'g') RETURNING id`, uid).Scan(&gid))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO nodes (graph_id, graph_version, node_key, block_id) VALUES ($1, 1, 'a', '11111111-1111-4111-8111-111111111111') RETURNING id`, gid).Scan(&nid))

	refused := []struct {
		name, code, sql string
		args            []any
	}{
		{"unique email", "23505", `INSERT INTO users (email) VALUES ('c1@example.com')`, nil},
		{"malformed email", "23514", `INSERT INTO users (email) VALUES ('not-an-email')`, nil},
		{"role enum", "22P02", `INSERT INTO users (email, role) VALUES ('c2@example.com', 'ROOT')`, nil},
		{"one active version per graph", "23505", `INSERT INTO graphs (id, version, user_id, name) VALUES ($1, 2, $2, 'g2')`, []any{gid, uid}},
		{"active name unique per owner", "23505", `INSERT INTO graphs (id, version, user_id, name) VALUES (gen_random_uuid(), 1, $1, 'g')`, []any{uid}},
		{"version >= 1", "23514", `INSERT INTO graphs (id, version, user_id, name, is_active) VALUES (gen_random_uuid(), 0, $1, 'g3', false)`, []any{uid}},
		{"graph name length", "23514", `INSERT INTO graphs (id, version, user_id, name) VALUES (gen_random_uuid(), 1, $1, repeat('x', 101))`, []any{uid}},
		{"node of a missing graph", "23503", `INSERT INTO nodes (graph_id, graph_version, node_key, block_id) VALUES (gen_random_uuid(), 1, 'b', '11111111-1111-4111-8111-111111111111')`, nil},
		{"node of an unknown block", "23503", `INSERT INTO nodes (graph_id, graph_version, node_key, block_id) VALUES ($1, 1, 'b', gen_random_uuid())`, []any{gid}},
		{"link to a missing node", "23503", `INSERT INTO links (graph_id, graph_version, source_id, sink_id, source_name, sink_name) VALUES ($1, 1, $2, gen_random_uuid(), 'o', 'i')`, []any{gid, nid}},
		{"execution status enum", "22P02", `INSERT INTO graph_executions (graph_id, graph_version, user_id, status) VALUES ($1, 1, $2, 'PAUSED')`, []any{gid, uid}},
		{"execution time order", "23514", `INSERT INTO graph_executions (graph_id, graph_version, user_id, created_at, started_at) VALUES ($1, 1, $2, now(), now() - interval '1 hour')`, []any{gid, uid}},
		{"ended before started", "23514", `INSERT INTO graph_executions (graph_id, graph_version, user_id, started_at, ended_at) VALUES ($1, 1, $2, now() + interval '1 hour', now())`, []any{gid, uid}},
		{"execution of a missing graph", "23503", `INSERT INTO graph_executions (graph_id, graph_version, user_id) VALUES (gen_random_uuid(), 1, $1)`, []any{uid}},
		{"balance >= 0", "23514", `INSERT INTO user_credits (user_id, balance) VALUES ($1, -1)`, []any{uid}},
		{"block cost >= 0", "23514", `INSERT INTO block_costs (block_id, cost_type, cost_amount) VALUES ('11111111-1111-4111-8111-111111111111', 'RUN', -5)`, nil},
	}
	for _, tc := range refused {
		err := exec(tc.sql, tc.args...)
		var pgErr *pgconn.PgError
		require.ErrorAsf(t, err, &pgErr, "%s: accepted", tc.name)
		require.Equalf(t, tc.code, pgErr.Code, "%s: %v", tc.name, err)
	}

	// TIMEOUT is a valid status (the seed's CHECK forgot it).
	require.NoError(t, exec(`INSERT INTO graph_executions (graph_id, graph_version, user_id, status) VALUES ($1, 1, $2, 'TIMEOUT')`, gid, uid))
	// share_token is unique.
	require.NoError(t, exec(`INSERT INTO graph_executions (graph_id, graph_version, user_id, is_shared, share_token) VALUES ($1, 1, $2, true, 'tok')`, gid, uid))
	require.Error(t, exec(`INSERT INTO graph_executions (graph_id, graph_version, user_id, is_shared, share_token) VALUES ($1, 1, $2, true, 'tok')`, gid, uid))

	// Deleting the user cascades to everything they own (the seed's ON DELETE CASCADE).
	require.NoError(t, exec(`DELETE FROM users WHERE id = $1`, uid))
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graphs WHERE user_id = $1) + (SELECT count(*) FROM nodes WHERE graph_id = $2) + (SELECT count(*) FROM graph_executions WHERE user_id = $1)`, uid, gid).Scan(&n))
	require.Zero(t, n)
}

// TestEveryForeignKeyIsIndexed: a foreign key without an index makes
// cascades and joins scan whole tables.
func TestEveryForeignKeyIsIndexed(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	rows, err := pool.Query(context.Background(), `
		SELECT c.conrelid::regclass::text, c.conname
		FROM pg_constraint c
		WHERE c.contype = 'f' AND NOT EXISTS (
			SELECT 1 FROM pg_index i
			WHERE i.indrelid = c.conrelid
			  AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
			  AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)`)
	require.NoError(t, err)
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var table, name string
		require.NoError(t, rows.Scan(&table, &name))
		missing = append(missing, table+"."+name)
	}
	require.Empty(t, missing, "foreign keys without a leading index")
}
