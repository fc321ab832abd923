package engine

import (
	"context"
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
