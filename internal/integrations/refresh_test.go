package integrations_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// resolved is one ByID's outcome.
type resolved struct {
	c   blocks.Credential
	err error
}

// resolveAsync runs svc.ByID for the fixture's user in the background.
func resolveAsync(f *fixture, svc *credentials.Service, id uuid.UUID) <-chan resolved {
	ch := make(chan resolved, 1)
	go func() {
		c, err := svc.ByID(context.Background(), f.user.ID, id.String())
		ch <- resolved{c, err}
	}()
	return ch
}

// awaitingRefresh waits until n sessions wait on the credential's advisory
// lock: they found a refresher holding it and wait for its commit.
func awaitingRefresh(t *testing.T, id uuid.UUID, n int) {
	t.Helper()
	pool := testenv.Postgres(t)
	const class = 0x6372_6564 // "cred": internal/db's credentialLockClass
	require.Eventually(t, func() bool {
		var waiting int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND classid = $1 AND objid = $2 AND objsubid = 2 AND NOT granted`,
			uint32(class), binary.BigEndian.Uint32(id[12:])).Scan(&waiting)
		require.NoError(t, err)
		return waiting == n
	}, 30*time.Second, 5*time.Millisecond)
}

// A process that finds another refreshing waits for its commit, wakes when
// it commits and uses its token: one refresh for all. The waiters are woken
// by the commit, not by finding the token fresh later. The new token lives
// less than the refresh margin, so it is "due" again at once: the waiters
// still use it rather than refresh again.
func TestRefreshWaitersWakeAtCommit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stub.FirstExpiresIn = time.Minute // due
	f.stub.RefreshedExpiresIn = 2 * time.Minute
	hold := make(chan struct{})
	f.stub.HoldRefreshes = hold
	cred := f.connected()
	other := []*credentials.Service{
		credentials.NewService(db.New(testenv.Postgres(t)), f.cipher).WithProviders(f.reg, nil),
		credentials.NewService(db.New(testenv.Postgres(t)), f.cipher).WithProviders(f.reg, nil),
	}

	refresher := resolveAsync(f, f.creds, cred.ID)
	require.Eventually(t, func() bool { return f.stub.Refreshes.Load() == 1 }, 30*time.Second, 5*time.Millisecond,
		"the first process asks the provider")
	waiters := []<-chan resolved{resolveAsync(f, other[0], cred.ID), resolveAsync(f, other[1], cred.ID)}
	awaitingRefresh(t, cred.ID, 2)
	close(hold)

	r := <-refresher
	require.NoError(t, r.err)
	require.True(t, f.stub.ValidAccess(r.c.Secret))
	for _, w := range waiters {
		got := <-w
		require.NoError(t, got.err)
		require.Equal(t, r.c.Secret, got.c.Secret, "the waiter uses the token the refresher stored")
	}
	require.EqualValues(t, 1, f.stub.Refreshes.Load(), "the waiters asked the provider nothing")
}

// When the refresher fails transiently (the provider answered 503), its
// node fails, and a process that was waiting for it refreshes itself.
func TestRefreshWaiterTakesOverAfterTransientFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stub.FirstExpiresIn = time.Minute
	hold := make(chan struct{})
	f.stub.HoldRefreshes = hold
	cred := f.connected()
	other := credentials.NewService(db.New(testenv.Postgres(t)), f.cipher).WithProviders(f.reg, nil)
	// Both of the refresher's requests: golang.org/x/oauth2 tries a failed
	// token request once more with the client's credentials in the form
	// (its client authentication auto-detection).
	f.stub.FailRefreshes.Store(2)

	refresher := resolveAsync(f, f.creds, cred.ID)
	require.Eventually(t, func() bool { return f.stub.Refreshes.Load() == 1 }, 30*time.Second, 5*time.Millisecond)
	waiter := resolveAsync(f, other, cred.ID)
	awaitingRefresh(t, cred.ID, 1)
	close(hold)

	r := <-refresher
	require.ErrorContains(t, r.err, "temporarily_unavailable")
	w := <-waiter
	require.NoError(t, w.err)
	require.True(t, f.stub.ValidAccess(w.c.Secret))
	require.EqualValues(t, 3, f.stub.Refreshes.Load(), "the refresher's two requests, then the waiter's one")
	cs := f.list()
	require.Len(t, cs, 1)
	require.True(t, cs[0].IsValid(time.Now()), "a transient failure does not invalidate the credential")
}
