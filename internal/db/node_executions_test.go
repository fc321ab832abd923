package db_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TestNodeExecutionPages: a page of each node's executions, newest first,
// in the user's own runs only, for many nodes in one call; the keyset
// cursor continues where a page ended.
func TestNodeExecutionPages(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	g := b.graph(u)
	a, sink := g.Nodes[0].ID, g.Nodes[1].ID
	mine1, mine2, theirs := b.queued(u, g), b.queued(u, g), b.queued(other, g)
	base := b.nowFromDB()
	insert := func(run *model.GraphExecution, node uuid.UUID, at time.Duration) uuid.UUID {
		id := uuid.New()
		_, err := b.pool.Exec(ctx, `INSERT INTO node_executions (id, graph_execution_id, node_id, status, created_at)
			VALUES ($1, $2, $3, 'COMPLETED', $4)`, id, run.ID, node, base.Add(at))
		require.NoError(t, err)
		return id
	}
	a1 := insert(mine1, a, time.Second)
	a2 := insert(mine1, a, 2*time.Second) // a node runs several times in a run
	a3 := insert(mine2, a, 3*time.Second)
	insert(theirs, a, 4*time.Second)
	s1 := insert(mine2, sink, 5*time.Second)

	neIDs := func(nes []model.NodeExecution) []uuid.UUID {
		return ids(nes, func(n model.NodeExecution) uuid.UUID { return n.ID })
	}
	pages, err := s.NodeExecutionPages(ctx, u.ID, []uuid.UUID{a, sink, uuid.New()}, nil, 2)
	require.NoError(t, err)
	require.Len(t, pages, 2, "a node with no executions is absent")
	require.Equal(t, []uuid.UUID{a3, a2}, neIDs(pages[a]), "newest first, at most the limit per node; not the other user's")
	require.Equal(t, []uuid.UUID{s1}, neIDs(pages[sink]))
	require.Equal(t, mine2.ID, pages[a][0].GraphExecutionID)

	last := pages[a][1]
	pages, err = s.NodeExecutionPages(ctx, u.ID, []uuid.UUID{a}, &db.Cursor{Time: last.CreatedAt, ID: last.ID}, 2)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a1}, neIDs(pages[a]), "after the cursor")

	pages, err = s.NodeExecutionPages(ctx, other.ID, []uuid.UUID{a, sink}, nil, 10)
	require.NoError(t, err)
	require.Len(t, pages[a], 1, "the other user sees only their own run's")
	require.Empty(t, pages[sink])
}
