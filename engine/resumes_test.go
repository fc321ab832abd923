package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// A run whose workers keep dying (its lease expires while held, again and
// again) ends FAILED after MaxResumes takeovers instead of looping forever;
// a run handed back on shutdown (no owner) is resumed without counting.
func TestRunTakenOverTooOftenFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, []nspec{{Key: "s", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}}}, nil)
	ctx := context.Background()
	orphan := func(resumes int, owner *string) uuid.UUID {
		// Inserted claimed (no NOTIFY wakes a worker before it is set up)...
		exs, _, err := e.store.ExecutionInsertClaimed(ctx, []db.NewExecution{{ID: uuid.New(), GraphID: fg.ID,
			GraphVersion: fg.Version, UserID: u.ID}}, "setup", 60)
		require.NoError(t, err)
		ex := exs[0]
		// ...then left as a worker that claimed it and vanished would leave it.
		_, err = e.pool.Exec(ctx, `UPDATE graph_executions SET lease_owner = $2,
			lease_expires_at = now() - interval '1 second', resumes = $3 WHERE id = $1`, ex.ID, owner, resumes)
		require.NoError(t, err)
		return ex.ID
	}
	dead := "a-dead-worker"
	w := e.watch(fg.ID)
	failing := orphan(MaxResumes, &dead) // this takeover is one too many
	handedBack := orphan(MaxResumes, nil)
	e.eng.wakeClaimer()

	got := w.until(failing, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "taken over 6 times")
	got = w.until(handedBack, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "a run handed back on shutdown is simply resumed")
}

// OnRunStart tells a run this engine starts from one it takes over from a
// worker whose lease expired: the wiring counts takeovers with it.
func TestOnRunStartTellsTakeoversFromStarts(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	resumed := map[uuid.UUID][]bool{}
	e := newEnv(t, Options{OnRunStart: func(id uuid.UUID, r bool) {
		mu.Lock()
		defer mu.Unlock()
		resumed[id] = append(resumed[id], r)
	}})
	u := e.user(0)
	fg := e.graph(u, []nspec{{Key: "s", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}}}, nil)
	ctx := context.Background()
	w := e.watch(fg.ID)

	started := e.submit(u, fg, nil).ID
	require.Equal(t, model.StatusCompleted, w.until(started, nil).Status)

	exs, _, err := e.store.ExecutionInsertClaimed(ctx, []db.NewExecution{{ID: uuid.New(), GraphID: fg.ID,
		GraphVersion: fg.Version, UserID: u.ID}}, "a-dead-worker", 60)
	require.NoError(t, err)
	orphan := exs[0].ID
	_, err = e.pool.Exec(ctx, `UPDATE graph_executions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, orphan)
	require.NoError(t, err)
	e.eng.wakeClaimer()
	require.Equal(t, model.StatusCompleted, w.until(orphan, nil).Status)

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[uuid.UUID][]bool{started: {false}, orphan: {true}}, resumed)
}
