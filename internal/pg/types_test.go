package pg_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/pg"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// TestConnectReadsUUIDsAndJSONAsPgxDoes: the short ways a pool from
// Connect reads UUIDs and jsonb give what pgx's own ways give, NULLs and
// arrays included.
func TestConnectReadsUUIDsAndJSONAsPgxDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	short, plain := shortAndPlain(t)

	// The pool's connections have the short ways registered.
	conn, err := short.Acquire(ctx)
	require.NoError(t, err)
	for _, oid := range []uint32{pgtype.UUIDOID, pgtype.JSONBOID} {
		typ, ok := conn.Conn().TypeMap().TypeForOID(oid)
		require.True(t, ok)
		require.NotContains(t, []any{pgtype.UUIDCodec{}}, typ.Codec)
		_, plainJSONB := typ.Codec.(*pgtype.JSONBCodec)
		require.False(t, plainJSONB)
	}
	conn.Release()

	type row struct {
		id      uuid.UUID
		null    *uuid.UUID
		some    *uuid.UUID
		ids     []uuid.UUID
		doc     json.RawMessage
		jnull   json.RawMessage
		sqlNull json.RawMessage
		param   uuid.UUID
	}
	const q = `SELECT '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'::uuid, NULL::uuid, gen_random_uuid(),
		ARRAY['00000000-0000-0000-0000-000000000001'::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
		'{"b": [1, 2.50, {"c": null}], "a": "<&> \u2028 é"}'::jsonb, 'null'::jsonb, NULL::jsonb, $1::uuid`
	read := func(p *pgxpool.Pool, param uuid.UUID) row {
		var r row
		require.NoError(t, p.QueryRow(ctx, q, param).Scan(&r.id, &r.null, &r.some, &r.ids, &r.doc, &r.jnull, &r.sqlNull, &r.param))
		return r
	}
	param := uuid.New()
	a, b := read(short, param), read(plain, param)
	require.NotNil(t, a.some)
	a.some, b.some = nil, nil // random: only its presence compares
	require.Equal(t, b, a)
	require.Equal(t, param, a.param)
	require.Nil(t, a.null)
	require.Nil(t, a.sqlNull)
	require.Equal(t, "null", string(a.jnull))
}

// TestConnectWritesUUIDsAsPgxDoes: UUID parameters written the short way
// (their 16 bytes) reach Postgres as pgx's own way writes them — alone,
// through a pointer (NULL too), in arrays, and as text under the simple
// protocol — and a binary one costs no allocation (pgx's way formats it
// as text and scans it back).
func TestConnectWritesUUIDsAsPgxDoes(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's allocations.
	ctx := context.Background()
	short, plain := shortAndPlain(t)

	id, other := uuid.New(), uuid.New()
	const q = `SELECT $1::uuid::text, $2::uuid::text, $3::uuid IS NULL, array_to_string($4::uuid[], ',')`
	read := func(p *pgxpool.Pool) []any {
		var a, b, c string
		var isNull bool
		require.NoError(t, p.QueryRow(ctx, q, id, &other, (*uuid.UUID)(nil), []uuid.UUID{other, id}).Scan(&a, &b, &isNull, &c))
		return []any{a, b, isNull, c}
	}
	want := []any{id.String(), other.String(), true, other.String() + "," + id.String()}
	require.Equal(t, want, read(plain))
	require.Equal(t, want, read(short))
	// As text (pgx writes no slice in the simple protocol, either way).
	var a, b string
	require.NoError(t, short.QueryRow(ctx, `SELECT $1::uuid::text, $2::uuid::text`, pgx.QueryExecModeSimpleProtocol, id, &other).Scan(&a, &b))
	require.Equal(t, []string{id.String(), other.String()}, []string{a, b})

	conn, err := short.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	m := conn.Conn().TypeMap()
	buf := make([]byte, 0, 64)
	var param any = id // boxed once, as a query's arguments are
	allocs := testing.AllocsPerRun(100, func() {
		out, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, param, buf[:0])
		if err != nil || len(out) != 16 {
			t.Fatalf("encoded %x, %v", out, err)
		}
	})
	require.Zero(t, allocs, "a binary UUID parameter allocates")
}

// shortAndPlain are two pools on the test database: one from Connect (the
// short ways), one as pgx makes it.
func shortAndPlain(t *testing.T) (short, plain *pgxpool.Pool) {
	url := testenv.PostgresURL(t)
	short, err := pg.Connect(context.Background(), url, 2)
	require.NoError(t, err)
	t.Cleanup(short.Close)
	plain, err = pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(plain.Close)
	return short, plain
}
