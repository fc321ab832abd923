package auth

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// A key revoked after a websocket's connection_init read it, but noticed
// before the connection was watched (the notification's check found no
// connection to close), still closes that connection: Watch sees that a
// check ran meanwhile and checks it itself. A connection of another user,
// authenticated before the same change, is checked and kept.
func TestWatchChecksAConnectionAuthenticatedBeforeAChange(t *testing.T) {
	pool := testenv.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := db.New(pool)
	a := followed(t, store)

	u, _, secret := newKey(t, store)
	_, _, otherSecret := newKey(t, store)
	connCtx, err := a.WithToken(ctx, secret)
	require.NoError(t, err)
	otherCtx, err := a.WithToken(ctx, otherSecret)
	require.NoError(t, err)

	before := a.watch.checks.Load()
	_, err = pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE user_id = $1`, u.ID)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return a.watch.checks.Load() != before }, 10*time.Second, time.Millisecond,
		"the revocation's notification was checked")

	var revoked, otherRevoked atomic.Bool
	defer a.Watch(connCtx, func() { revoked.Store(true) })()
	defer a.Watch(otherCtx, func() { otherRevoked.Store(true) })()
	require.Eventually(t, revoked.Load, 10*time.Second, time.Millisecond, "the revoked key's connection is closed")

	// The other connection was checked as well (a change ran since it
	// was read) and kept: its key still works.
	require.Never(t, otherRevoked.Load, 200*time.Millisecond, 10*time.Millisecond,
		"a connection whose key still works stays open")
}
