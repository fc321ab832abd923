package pg_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
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
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	short, err := pg.Connect(ctx, url, 2)
	require.NoError(t, err)
	t.Cleanup(short.Close)
	plain, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(plain.Close)

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
