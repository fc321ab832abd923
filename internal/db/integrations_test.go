package db_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

func TestOAuthStatesAreSingleUse(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	redirect := "https://app.example/done"
	st := db.OAuthState{StateHash: []byte("hash-" + u.ID.String()), UserID: u.ID, Provider: "fake", Scopes: []string{"read"},
		VerifierSealed: []byte("sealed"), RedirectTo: &redirect, ExpiresAt: b.nowFromDB().Add(10 * time.Minute)}
	require.NoError(t, s.OAuthStateCreate(ctx, st))
	_, err := s.OAuthStateTake(ctx, st.StateHash, "github")
	require.ErrorIs(t, err, model.ErrNotFound, "bound to its provider")
	got, err := s.OAuthStateTake(ctx, st.StateHash, "fake")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.UserID)
	require.Equal(t, []string{"read"}, got.Scopes)
	require.Equal(t, redirect, *got.RedirectTo)
	_, err = s.OAuthStateTake(ctx, st.StateHash, "fake")
	require.ErrorIs(t, err, model.ErrNotFound, "taken once")

	// Abandoned states are purged an hour after they expire.
	old := st
	old.StateHash = []byte("old-" + u.ID.String())
	old.ExpiresAt = b.nowFromDB().Add(-2 * time.Hour)
	require.NoError(t, s.OAuthStateCreate(ctx, old))
	n, err := s.OAuthStatePurge(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, int64(1))
	_, err = s.OAuthStateTake(ctx, old.StateHash, "fake")
	require.ErrorIs(t, err, model.ErrNotFound)
}

func TestCredentialTokensAndInvalidation(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	past := b.nowFromDB().Add(-time.Minute)
	bearer := "bearer"
	c, err := s.CredentialCreate(ctx, db.NewCredential{UserID: u.ID, Provider: "fake", AuthType: "OAUTH2", Scopes: []string{"read"},
		SecretEncrypted: []byte("v1"), Metadata: json.RawMessage(`{}`), ExpiresAt: &past, TokenType: &bearer})
	require.NoError(t, err)
	run, err := s.CredentialsForRun(ctx, u.ID, []string{"fake"})
	require.NoError(t, err)
	require.Len(t, run, 1, "an expired OAuth2 credential is still offered: it may be refreshed")

	_, err = s.CredentialGetSealed(ctx, other.ID, c.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "another user's")
	later := b.nowFromDB().Add(time.Hour)
	require.NoError(t, s.InTx(ctx, func(tx *db.Store) error {
		if _, err := tx.CredentialLock(ctx, c.ID); err != nil {
			return err
		}
		_, err := tx.CredentialSetTokens(ctx, c.ID, []byte("v2"), &later, nil, []string{"read", "write"})
		return err
	}))
	got, err := s.CredentialGetSealed(ctx, u.ID, c.ID)
	require.NoError(t, err)
	require.Equal(t, []byte("v2"), got.SecretEncrypted)
	require.Equal(t, []string{"read", "write"}, got.Scopes)
	require.Equal(t, "bearer", *got.TokenType, "kept when the refresh names none")
	require.True(t, got.IsValid(time.Now()))

	hold, _, err := s.CredentialClaim(ctx, c.ID)
	require.NoError(t, err)
	require.NoError(t, hold.Invalidate(ctx, "invalid_grant"))
	hold.Release()
	got, err = s.CredentialGetSealed(ctx, u.ID, c.ID)
	require.NoError(t, err)
	require.False(t, got.IsValid(time.Now()))
	require.Equal(t, "invalid_grant", *got.InvalidReason)
	run, err = s.CredentialsForRun(ctx, u.ID, []string{"fake"})
	require.NoError(t, err)
	require.Empty(t, run, "a refused credential is not offered")

	_, err = s.CredentialTake(ctx, other.ID, c.ID)
	require.ErrorIs(t, err, model.ErrNotFound)
	taken, err := s.CredentialTake(ctx, u.ID, c.ID)
	require.NoError(t, err)
	require.Equal(t, []byte("v2"), taken.SecretEncrypted, "the deleted row, to revoke its tokens")
}

func TestScopedAPIKeys(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	k, err := s.APIKeyCreateScoped(ctx, u.ID, "ci", "agk_scoped", []byte("hash-scoped-"+u.ID.String()), []string{"READ_GRAPHS"})
	require.NoError(t, err)
	require.Equal(t, []string{"READ_GRAPHS"}, k.Permissions)
	p, err := s.APIKeyLookup(ctx, []byte("hash-scoped-"+u.ID.String()))
	require.NoError(t, err)
	require.Equal(t, u.ID, p.User.ID)
	require.Equal(t, []string{"READ_GRAPHS"}, p.Permissions)

	_, err = s.APIKeyCreate(ctx, u.ID, "all", "agk_all", []byte("hash-all-"+u.ID.String()))
	require.NoError(t, err)
	p, err = s.APIKeyLookup(ctx, []byte("hash-all-"+u.ID.String()))
	require.NoError(t, err)
	require.Nil(t, p.Permissions, "a key without a list holds every permission")
}

// A refresher holds the credential's advisory lock until it commits: a
// second claim gets no hold and waits for that commit, then reads what
// the refresher stored.
func TestCredentialRefreshLockWakesWaitersAtCommit(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	c, err := s.CredentialCreate(ctx, db.NewCredential{UserID: u.ID, Provider: "fake", AuthType: "OAUTH2",
		SecretEncrypted: []byte("v1"), Metadata: json.RawMessage(`{}`)}) // no scopes: stored as none
	require.NoError(t, err)
	hold, got, err := s.CredentialClaim(ctx, c.ID)
	require.NoError(t, err)
	require.NotNil(t, hold, "the first refresher gets the lock")
	require.Equal(t, []byte("v1"), got.SecretEncrypted)

	type claimed struct {
		hold *db.CredentialHold
		c    *db.SealedCredential
	}
	awaited := make(chan claimed, 1)
	go func() {
		h, got, err := s.CredentialClaim(ctx, c.ID)
		assert.NoError(t, err)
		awaited <- claimed{h, got}
	}()
	select {
	case <-awaited:
		t.Fatal("the second claim returned before the refresher committed")
	case <-time.After(200 * time.Millisecond):
	}
	stored, err := hold.SetTokens(ctx, []byte("v2"), nil, nil, nil)
	require.NoError(t, err)
	hold.Release()
	w := <-awaited
	require.Nil(t, w.hold, "held by the first: no hold")
	require.Equal(t, []byte("v2"), w.c.SecretEncrypted)
	require.Equal(t, stored.UpdatedAt, w.c.UpdatedAt)

	// Free again, and a hold released without a change stores nothing.
	hold, _, err = s.CredentialClaim(ctx, c.ID)
	require.NoError(t, err)
	require.NotNil(t, hold)
	hold.Release()
	hold, got, err = s.CredentialClaim(ctx, c.ID)
	require.NoError(t, err)
	require.NotNil(t, hold, "a released hold frees the lock")
	require.Equal(t, []byte("v2"), got.SecretEncrypted)
	require.NoError(t, hold.Invalidate(ctx, "refused"))
	hold.Release()
	after, err := s.CredentialGetSealed(ctx, u.ID, c.ID)
	require.NoError(t, err)
	require.Equal(t, "refused", *after.InvalidReason)
}
