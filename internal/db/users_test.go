package db_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	var inputErr *model.InputError

	email := "Mixed." + testenv.RandomSuffix(4) + "@Example.com"
	u, err := s.UserCreate(ctx, db.NewUser{Email: "  " + email + " "})
	require.NoError(t, err)
	require.Equal(t, model.RoleUser, u.Role, "default role")
	require.Equal(t, "UTC", u.Timezone)
	require.Equal(t, "en-US", u.Locale)
	require.True(t, u.IsActive)
	_, err = s.UserCreate(ctx, db.NewUser{Email: email})
	require.ErrorIs(t, err, model.ErrConflict, "emails compare lower-cased")
	byEmail, err := s.UserByEmail(ctx, " "+strings.ToUpper(email))
	require.NoError(t, err)
	require.Equal(t, u.ID, byEmail.ID)
	_, err = s.UserByEmail(ctx, "nobody-"+email)
	require.ErrorIs(t, err, model.ErrNotFound)
	_, err = s.UserByEmail(ctx, "not-an-email")
	require.ErrorAs(t, err, &inputErr)
	for _, bad := range []db.NewUser{{Email: "not-an-email"}, {Email: "r@example.com", Role: "ROOT"},
		{Email: "tz@example.com", Timezone: "Mars/Base"}, {Email: "tz@example.com", Timezone: "Local"},
		{Email: "l@example.com", Locale: "xx-YY"}, {Email: "l@example.com", Locale: "en US"}} {
		_, err = s.UserCreate(ctx, bad)
		require.ErrorAs(t, err, &inputErr, "%+v", bad)
	}
	c, err := s.CreditGet(ctx, u.ID)
	require.NoError(t, err)
	require.Zero(t, c.Balance, "a new user has a zero balance row")

	got, err := s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, u, got)
	_, err = s.UserGet(ctx, uuid.New())
	require.ErrorIs(t, err, model.ErrNotFound)

	other := b.user()
	many, err := s.UsersByIDs(ctx, []uuid.UUID{u.ID, other.ID, uuid.New()})
	require.NoError(t, err)
	require.ElementsMatch(t, []uuid.UUID{u.ID, other.ID}, ids(many, func(u *model.User) uuid.UUID { return u.ID }))

	name, tz := "Ada", "Europe/Paris"
	u, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Name: &name, Timezone: &tz, Preferences: patch(t, `{"theme":"dark"}`)})
	require.NoError(t, err)
	require.Equal(t, "Ada", *u.Name)
	require.Equal(t, "Europe/Paris", u.Timezone)
	require.Equal(t, "en-US", u.Locale, "fields left nil are kept")
	require.JSONEq(t, `{"theme":"DARK"}`, string(u.Preferences))
	bad := "Nowhere/Else"
	_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Timezone: &bad})
	require.ErrorAs(t, err, &inputErr)
	badLocale := "en-"
	_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Locale: &badLocale})
	require.ErrorAs(t, err, &inputErr)
	_, err = model.ParsePreferencesPatch("preferences", []byte(`[1]`))
	require.ErrorAs(t, err, &inputErr, "preferences are checked before they reach the store")
	lower := "fr_ca"
	u, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Locale: &lower})
	require.NoError(t, err)
	require.Equal(t, "fr-CA", u.Locale, "stored in canonical form")
	_, err = s.UserUpdateProfile(ctx, uuid.New(), db.ProfileUpdate{Name: &name})
	require.ErrorIs(t, err, model.ErrNotFound)
	_, err = s.UserUpdateProfile(ctx, uuid.New(), db.ProfileUpdate{Preferences: patch(t, `{"theme":"DARK"}`)})
	require.ErrorIs(t, err, model.ErrNotFound)

	u, err = s.UserSetRole(ctx, u.ID, model.RoleModerator)
	require.NoError(t, err)
	require.Equal(t, model.RoleModerator, u.Role)
	_, err = s.UserSetRole(ctx, u.ID, "ROOT")
	require.ErrorAs(t, err, &inputErr)
	_, err = s.UserSetRole(ctx, uuid.New(), model.RoleAdmin)
	require.ErrorIs(t, err, model.ErrNotFound)

	u, err = s.UserSetActive(ctx, u.ID, false)
	require.NoError(t, err)
	require.False(t, u.IsActive)

	require.Nil(t, u.LastLoginAt)
	require.NoError(t, s.UserTouchLogin(ctx, u.ID))
	u, err = s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	require.NotNil(t, u.LastLoginAt)
	first := *u.LastLoginAt
	require.NoError(t, s.UserTouchLogin(ctx, u.ID))
	u, err = s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, first, *u.LastLoginAt, "written at most once a minute")
}

func patch(t *testing.T, raw string) *model.PreferencesPatch {
	t.Helper()
	p, err := model.ParsePreferencesPatch("preferences", []byte(raw))
	require.NoError(t, err)
	return p
}

// TestUserPreferencesMerge: a change of preferences is merged key by key in
// SQL, keeps what it does not name (unknown keys stored earlier included),
// is atomic under concurrent changes, and is refused whole when too large.
func TestUserPreferencesMerge(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()
	// Stored before preferences were typed: a lower-case theme, unknown keys.
	_, err := b.pool.Exec(ctx, `UPDATE users SET preferences = '{"theme":"dark","legacy":{"x":1},"fontSize":14}' WHERE id = $1`, u.ID)
	require.NoError(t, err)

	u, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: patch(t, `{"language":"de"}`)})
	require.NoError(t, err)
	require.JSONEq(t, `{"theme":"dark","legacy":{"x":1},"fontSize":14,"language":"de"}`, string(u.Preferences),
		"earlier keys are kept, as stored")
	u, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: patch(t, `{"fontSize":null,"theme":"LIGHT","autoSaveEnabled":false}`)})
	require.NoError(t, err)
	require.JSONEq(t, `{"theme":"LIGHT","legacy":{"x":1},"language":"de","autoSaveEnabled":false}`, string(u.Preferences),
		"null removes a key; the rest is merged")

	// Concurrent changes of different keys all survive: the merge is one
	// UPDATE, not a read-modify-write.
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		p := patch(t, fmt.Sprintf(`{"k%d":%d}`, i, i))
		go func() {
			_, err := s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: p})
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	u, err = s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(u.Preferences, &got))
	for i := range n {
		require.Equal(t, float64(i), got[fmt.Sprintf("k%d", i)], "key k%d", i)
	}
	require.Equal(t, "LIGHT", got["theme"])

	// Each change is under the per-change bound; the fifth would take the
	// stored object past model.MaxPreferences: refused, nothing changed
	// (not even the name sent with it).
	big := strings.Repeat("x", 15<<10)
	for i := range 4 {
		_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: patch(t, fmt.Sprintf(`{"big%d":%q}`, i, big))})
		require.NoError(t, err)
	}
	before, err := s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	name := "Changed"
	_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Name: &name, Preferences: patch(t, fmt.Sprintf(`{"big4":%q}`, big))})
	var inputErr *model.InputError
	require.ErrorAs(t, err, &inputErr)
	require.Equal(t, "preferences", inputErr.Field)
	after, err := s.UserGet(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, before, after)
	// Replacing a big key by another of the same size fits.
	_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: patch(t, fmt.Sprintf(`{"big0":null,"big4":%q}`, big))})
	require.NoError(t, err)
}

// TestUserList pages through every user (a database of its own: the list
// is of the whole table).
func TestUserList(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	var made []uuid.UUID
	for range 5 {
		made = append(made, b.user().ID)
	}
	var seen []uuid.UUID
	var after *db.Cursor
	for {
		page, err := b.store.UserList(b.ctx, after, 2)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		require.LessOrEqual(t, len(page), 2)
		for _, u := range page {
			seen = append(seen, u.ID)
		}
		last := page[len(page)-1]
		after = &db.Cursor{Time: last.CreatedAt, ID: last.ID}
	}
	require.Equal(t, made, seen, "every user once, in creation order")
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	hash := []byte("hash-" + testenv.RandomSuffix(8))

	_, err := s.APIKeyCreate(ctx, u.ID, "   ", "agk_x", hash)
	var inputErr *model.InputError
	require.ErrorAs(t, err, &inputErr, "a blank name")
	k, err := s.APIKeyCreate(ctx, u.ID, " ci ", "agk_abcd", hash)
	require.NoError(t, err)
	require.Equal(t, "ci", k.Name)

	owner, keyID, lastUsed, err := s.APIKeyUser(ctx, hash)
	require.NoError(t, err)
	require.Equal(t, u.ID, owner.ID)
	require.Equal(t, k.ID, keyID)
	require.Nil(t, lastUsed)
	require.NoError(t, s.APIKeyTouch(ctx, keyID))
	_, _, lastUsed, err = s.APIKeyUser(ctx, hash)
	require.NoError(t, err)
	require.NotNil(t, lastUsed)
	_, _, _, err = s.APIKeyUser(ctx, []byte("unknown"))
	require.ErrorIs(t, err, model.ErrNotFound)

	_, err = s.APIKeyRevoke(ctx, other.ID, k.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "another user's key")
	k, err = s.APIKeyRevoke(ctx, u.ID, k.ID)
	require.NoError(t, err)
	require.NotNil(t, k.RevokedAt)
	_, _, _, err = s.APIKeyUser(ctx, hash)
	require.ErrorIs(t, err, model.ErrNotFound, "a revoked key opens nothing")

	keys, err := s.APIKeyList(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1, "revoked keys are listed")
	require.Equal(t, k.ID, keys[0].ID)
	keys, err = s.APIKeyList(ctx, other.ID)
	require.NoError(t, err)
	require.Empty(t, keys)
}

func TestCredits(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u := b.user()

	for _, amount := range []int64{100, 20, 3} {
		_, err := s.CreditAdd(ctx, u.ID, amount, "PURCHASE", "top-up")
		require.NoError(t, err)
	}
	c, err := s.CreditGet(ctx, u.ID)
	require.NoError(t, err)
	require.EqualValues(t, 123, c.Balance)
	balance, err := s.UserBalance(ctx, u.ID)
	require.NoError(t, err)
	require.EqualValues(t, 123, balance)
	balance, err = s.UserBalance(ctx, uuid.New())
	require.NoError(t, err)
	require.Zero(t, balance, "no balance row reads as zero")
	_, err = s.CreditAdd(ctx, uuid.New(), 5, "BONUS", "nobody")
	require.Error(t, err)

	page, err := s.CreditTransactions(ctx, u.ID, nil, 2)
	require.NoError(t, err)
	require.Len(t, page, 2)
	require.EqualValues(t, 3, page[0].Amount, "newest first")
	require.EqualValues(t, 123, page[0].BalanceAfter)
	require.Equal(t, "PURCHASE", page[0].Type)
	last := page[1]
	page, err = s.CreditTransactions(ctx, u.ID, &db.Cursor{Time: last.CreatedAt, ID: last.ID}, 2)
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.EqualValues(t, 100, page[0].Amount)
	require.EqualValues(t, 100, page[0].BalanceAfter)
}

func TestAlertRules(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	name := "error rate " + testenv.RandomSuffix(4)
	r, err := s.AlertRuleCreate(ctx, db.AlertRule{Name: name, Condition: "error_rate >", Threshold: 5, Severity: "HIGH", IsActive: true})
	require.NoError(t, err)
	require.Equal(t, []string{}, r.NotificationChannels)
	_, err = s.AlertRuleCreate(ctx, db.AlertRule{Name: name, Condition: "cpu >", Threshold: 1, Severity: "LOW"})
	require.ErrorIs(t, err, model.ErrConflict)

	all, err := s.AlertRuleList(ctx)
	require.NoError(t, err)
	require.Contains(t, ids(all, func(r *db.AlertRule) uuid.UUID { return r.ID }), r.ID)
	require.NoError(t, s.AlertRuleDelete(ctx, r.ID))
	require.ErrorIs(t, s.AlertRuleDelete(ctx, r.ID), model.ErrNotFound)
	all, err = s.AlertRuleList(ctx)
	require.NoError(t, err)
	require.NotContains(t, ids(all, func(r *db.AlertRule) uuid.UUID { return r.ID }), r.ID)
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	create := func(provider, title string, expired bool) *model.Credential {
		n := db.NewCredential{UserID: u.ID, Provider: provider, AuthType: "API_KEY", Title: title, Scopes: []string{},
			SecretEncrypted: []byte("sealed-" + title), Metadata: json.RawMessage(`{}`)}
		if expired {
			past := b.nowFromDB().Add(-1)
			n.ExpiresAt = &past
		}
		c, err := s.CredentialCreate(ctx, n)
		require.NoError(t, err)
		require.Equal(t, u.ID, c.UserID)
		return c
	}
	oldOpenAI := create("openai", "old", false)
	newOpenAI := create("openai", "new", false)
	create("github", "expired", true)
	create("slack", "unasked", false)

	all, err := s.CredentialList(ctx, u.ID, nil)
	require.NoError(t, err)
	require.Len(t, all, 4)
	openai := "openai"
	some, err := s.CredentialList(ctx, u.ID, &openai)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{oldOpenAI.ID, newOpenAI.ID}, ids(some, func(c *model.Credential) uuid.UUID { return c.ID }))

	run, err := s.CredentialsForRun(ctx, u.ID, []string{"openai", "github"})
	require.NoError(t, err)
	require.Len(t, run, 1, "the newest valid credential per asked provider; the expired one is left out")
	require.Equal(t, newOpenAI.ID, run[0].ID)
	require.Equal(t, []byte("sealed-new"), run[0].SecretEncrypted, "the secret stays sealed")
	run, err = s.CredentialsForRun(ctx, other.ID, []string{"openai"})
	require.NoError(t, err)
	require.Empty(t, run)

	require.ErrorIs(t, s.CredentialDelete(ctx, other.ID, newOpenAI.ID), model.ErrNotFound, "another user's credential")
	require.NoError(t, s.CredentialDelete(ctx, u.ID, newOpenAI.ID))
	run, err = s.CredentialsForRun(ctx, u.ID, []string{"openai"})
	require.NoError(t, err)
	require.Equal(t, oldOpenAI.ID, run[0].ID)
}

// AuthChanges counts this process's writes to users and keys (a key cache
// compares it), InTx's included, and not the touches.
func TestAuthChangesCountsWritesToUsersAndKeys(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, err := s.UserCreate(ctx, db.NewUser{Email: "ac" + testenv.RandomSuffix(4) + "@example.com"})
	require.NoError(t, err)
	k, err := s.APIKeyCreate(ctx, u.ID, "k", "agk_x", []byte("hash-"+testenv.RandomSuffix(4)))
	require.NoError(t, err)
	n := s.AuthChanges()
	require.NoError(t, s.UserTouchLogin(ctx, u.ID))
	require.NoError(t, s.APIKeyTouch(ctx, k.ID))
	require.Equal(t, n, s.AuthChanges(), "the touches")
	name := "new name"
	_, err = s.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Name: &name})
	require.NoError(t, err)
	_, err = s.UserSetRole(ctx, u.ID, model.RoleAdmin)
	require.NoError(t, err)
	require.NoError(t, s.InTx(ctx, func(tx *db.Store) error {
		_, err := tx.UserSetActive(ctx, u.ID, false)
		return err
	}))
	_, err = s.APIKeyRevoke(ctx, u.ID, k.ID)
	require.NoError(t, err)
	require.Equal(t, n+4, s.AuthChanges())
}
