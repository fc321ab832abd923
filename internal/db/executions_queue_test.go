package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// The queue depth counts top-level QUEUED and RUNNING runs only: finished
// runs and children (started by their parent's worker) are not waiting;
// the oldest wait is that of the oldest top-level QUEUED run.
func TestExecutionQueueDepth(t *testing.T) {
	// Not parallel: it counts every run in the package's database, so it
	// runs before the parallel tests that insert runs of their own start.
	pool := testenv.Postgres(t)
	ctx := context.Background()
	store := db.New(pool)
	var uid, gid, nid string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email) VALUES ($1) RETURNING id`,
		"queue-"+testenv.RandomSuffix(4)+"@example.com").Scan(&uid))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO blocks (id, name) VALUES (gen_random_uuid(), $1) RETURNING id`,
		"QueueDepthTestBlock"+testenv.RandomSuffix(4)).Scan(&nid))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO graphs (id, version, user_id, name) VALUES (gen_random_uuid(), 1, $1, 'queue') RETURNING id`, uid).Scan(&gid))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO nodes (graph_id, graph_version, node_key, block_id) VALUES ($1, 1, 'a', $2) RETURNING id`, gid, nid).Scan(&nid))
	before, err := store.ExecutionQueueDepth(ctx)
	require.NoError(t, err)

	insert := func(status string) string {
		var id string
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO graph_executions (graph_id, graph_version, user_id, status, started_at)
			VALUES ($1, 1, $2, $3::execution_status, CASE WHEN $3::execution_status = 'QUEUED' THEN NULL ELSE now() END) RETURNING id`, gid, uid, status).Scan(&id))
		return id
	}
	insert("QUEUED")
	waiting := insert("QUEUED")
	_, err = pool.Exec(ctx, `UPDATE graph_executions SET created_at = now() - interval '1 minute' WHERE id = $1`, waiting)
	require.NoError(t, err)
	parent := insert("RUNNING")
	insert("COMPLETED")
	insert("FAILED")
	var ne string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO node_executions (graph_execution_id, node_id, status) VALUES ($1, $2, 'RUNNING') RETURNING id`,
		parent, nid).Scan(&ne))
	_, err = pool.Exec(ctx, `INSERT INTO graph_executions (graph_id, graph_version, user_id, status, parent_node_execution_id, created_at)
		VALUES ($1, 1, $2, 'QUEUED', $3, now() - interval '1 hour')`, gid, uid, ne)
	require.NoError(t, err)

	got, err := store.ExecutionQueueDepth(ctx)
	require.NoError(t, err)
	require.Equal(t, before.Queued+2, got.Queued)
	require.Equal(t, before.Running+1, got.Running)
	require.GreaterOrEqual(t, got.OldestQueued, time.Minute)
	require.Less(t, got.OldestQueued, time.Hour, "the child that waits longer is not in the queue")
}
