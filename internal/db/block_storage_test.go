package db_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

func TestBlockStoragePutGet(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	alice, bob := b.user(), b.user()
	g1, g2 := b.graph(alice), b.graph(alice)
	agent := func(u *model.User, g *model.FullGraph, key string) db.BlockStorageKey {
		return db.BlockStorageKey{UserID: u.ID, GraphID: &g.ID, Key: key}
	}
	shared := func(u *model.User, key string) db.BlockStorageKey { return db.BlockStorageKey{UserID: u.ID, Key: key} }
	get := func(k db.BlockStorageKey) string {
		t.Helper()
		v, err := b.store.BlockStorageGet(b.ctx, k)
		if err != nil {
			require.ErrorIs(t, err, model.ErrNotFound)
			return "<none>"
		}
		return string(v)
	}

	require.Equal(t, "<none>", get(agent(alice, g1, "k")))
	require.NoError(t, b.store.BlockStoragePut(b.ctx, agent(alice, g1, "k"), json.RawMessage(`{"n": 1}`)))
	require.NoError(t, b.store.BlockStoragePut(b.ctx, shared(alice, "k"), json.RawMessage(`"shared"`)))
	require.Equal(t, `{"n": 1}`, get(agent(alice, g1, "k")))
	require.Equal(t, `"shared"`, get(shared(alice, "k")), "across agents is another place than within one")
	require.Equal(t, "<none>", get(agent(alice, g2, "k")), "another agent has its own")
	require.Equal(t, "<none>", get(agent(bob, g1, "k")), "another user never reads alice's keys, even naming her graph")
	require.Equal(t, "<none>", get(shared(bob, "k")))

	// A put replaces (also the null-graph row: NULLS NOT DISTINCT).
	require.NoError(t, b.store.BlockStoragePut(b.ctx, agent(alice, g1, "k"), json.RawMessage(`2`)))
	require.NoError(t, b.store.BlockStoragePut(b.ctx, shared(alice, "k"), json.RawMessage(`3`)))
	require.Equal(t, "2", get(agent(alice, g1, "k")))
	require.Equal(t, "3", get(shared(alice, "k")))
	var rows int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM block_storage WHERE user_id = $1`, alice.ID).Scan(&rows))
	require.Equal(t, 2, rows)

	// Too large: refused, nothing changed.
	big := json.RawMessage(`"` + strings.Repeat("x", db.BlockStorageMaxValue) + `"`)
	err := b.store.BlockStoragePut(b.ctx, shared(alice, "k"), big)
	var inputErr *model.InputError
	require.ErrorAs(t, err, &inputErr)
	require.Equal(t, "value", inputErr.Field)
	require.Equal(t, "3", get(shared(alice, "k")))

	// An agent's keys go with its last version; the user's shared ones stay.
	deleted, err := b.store.GraphDelete(b.ctx, alice.ID, g1.ID)
	require.NoError(t, err)
	require.True(t, deleted)
	require.Equal(t, "<none>", get(agent(alice, g1, "k")))
	require.Equal(t, "3", get(shared(alice, "k")))
	// And everything with the user.
	_, err = b.pool.Exec(b.ctx, `DELETE FROM users WHERE id = $1`, alice.ID)
	require.NoError(t, err)
	require.Equal(t, "<none>", get(shared(alice, "k")))
}

func TestBlockStorageScopeIsConsistent(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	_, err := b.pool.Exec(b.ctx, `INSERT INTO block_storage (user_id, scope, graph_id, key, value) VALUES ($1, 'within_agent', NULL, 'k', '1')`, u.ID)
	require.ErrorContains(t, err, "chk_block_storage_scope")
	_, err = b.pool.Exec(b.ctx, `INSERT INTO block_storage (user_id, scope, graph_id, key, value) VALUES ($1, 'across_agents', $2, 'k', '1')`, u.ID, uuid.New())
	require.ErrorContains(t, err, "chk_block_storage_scope")
}
