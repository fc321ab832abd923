package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
)

// NotifyExecutionQueued wakes the workers' claim loops (a scheduler sends
// it when a run it fired ahead becomes due), naming the run.
func TestNotifyExecutionQueuedWakesListeners(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	q := b.queued(u, b.graph(u))
	wait, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	l, err := b.store.Listen(wait, db.ChannelExecutionQueued)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, b.store.NotifyExecutionQueued(b.ctx, q.ID))
	ch, payload, err := l.Wait(wait)
	require.NoError(t, err)
	require.Equal(t, db.ChannelExecutionQueued, ch)
	require.Equal(t, q.ID.String(), payload)
}
