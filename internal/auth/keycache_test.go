package auth

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// kept reports whether the cache holds the key.
func (a *Authenticator) kept(token string) bool {
	var hash [32]byte
	copy(hash[:], HashAPIKey(token))
	a.keys.mu.Lock()
	defer a.keys.mu.Unlock()
	return a.keys.byHash[hash] != nil
}

// newKey creates a user with a key through store.
func newKey(t *testing.T, store *db.Store) (*model.User, *model.APIKey, string) {
	t.Helper()
	ctx := context.Background()
	u, err := store.UserCreate(ctx, db.NewUser{Email: "k" + testenv.RandomSuffix(4) + "@example.com"})
	require.NoError(t, err)
	secret, prefix, hash := NewAPIKey()
	k, err := store.APIKeyCreate(ctx, u.ID, "k", prefix, hash)
	require.NoError(t, err)
	return u, k, secret
}

// followed starts an Authenticator keeping keys and waits until it listens.
func followed(t *testing.T, store *db.Store) *Authenticator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &Authenticator{Store: store}
	done := make(chan struct{})
	go func() { defer close(done); a.FollowChanges(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool {
		a.keys.mu.Lock()
		defer a.keys.mu.Unlock()
		return a.keys.live
	}, 10*time.Second, 5*time.Millisecond)
	return a
}

func TestKeptKeysStopWorkingWhenChanged(t *testing.T) {
	pool := testenv.Postgres(t)
	ctx := context.Background()
	store := db.New(pool)
	a := followed(t, store)

	// Revoked through this process's store: refused on the next request,
	// without waiting for the notification.
	u, k, secret := newKey(t, store)
	got, err := a.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	require.True(t, a.kept(secret))
	got, err = a.Authenticate(ctx, secret)
	require.NoError(t, err, "answered from the cache")
	require.Equal(t, u.ID, got.ID)
	_, err = store.APIKeyRevoke(ctx, u.ID, k.ID)
	require.NoError(t, err)
	_, err = a.Authenticate(ctx, secret)
	require.ErrorIs(t, err, model.ErrUnauthenticated)

	// Changed by another process (its own store, or plain SQL): refused
	// once the notification arrived. The touches change nothing kept and
	// drop nothing.
	for _, change := range []string{
		`UPDATE api_keys SET revoked_at = now() WHERE user_id = $1`,
		`UPDATE users SET is_active = false WHERE id = $1`,
		`DELETE FROM users WHERE id = $1`,
	} {
		u, _, secret := newKey(t, store)
		_, err := a.Authenticate(ctx, secret)
		require.NoError(t, err)
		require.True(t, a.kept(secret))
		_, err = pool.Exec(ctx, `UPDATE api_keys SET last_used_at = now() - interval '1 hour' WHERE user_id = $1`, u.ID)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `UPDATE users SET last_login_at = now() - interval '1 hour' WHERE id = $1`, u.ID)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, change, u.ID)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return !a.kept(secret) }, 10*time.Second, time.Millisecond, change)
		_, err = a.Authenticate(ctx, secret)
		require.ErrorIs(t, err, model.ErrUnauthenticated, change)
	}
}

// The notifications: one for a change, none for a touch.
func TestAuthChangedNotifiesChangesNotTouches(t *testing.T) {
	pool := testenv.Postgres(t)
	ctx := context.Background()
	store := db.New(pool)
	u, k, _ := newKey(t, store)
	l, err := store.Listen(ctx, db.ChannelAuthChanged)
	require.NoError(t, err)
	defer l.Close()
	quiet := func(what string) {
		wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, payload, err := l.Wait(wctx)
		require.Error(t, err, "%s notified %q", what, payload)
	}
	notified := func(what string) {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ch, payload, err := l.Wait(wctx)
		require.NoError(t, err, what)
		require.Equal(t, db.ChannelAuthChanged, ch)
		require.Equal(t, u.ID.String(), payload, what)
	}
	require.NoError(t, store.APIKeyTouch(ctx, k.ID))
	require.NoError(t, store.UserTouchLogin(ctx, u.ID))
	quiet("the touches")
	_, err = store.UserSetRole(ctx, u.ID, model.RoleAdmin)
	require.NoError(t, err)
	notified("a role")
	_, err = store.APIKeyRevoke(ctx, u.ID, k.ID)
	require.NoError(t, err)
	notified("a revocation")
}
