package resolvers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	_, adm := b.user(model.RoleAdmin)

	require.Equal(t, "UNAUTHENTICATED", b.do("", `{ me { id } }`, nil).code())
	require.Equal(t, "UNAUTHENTICATED", b.do("agk_nonsense", `{ me { id } }`, nil).code())
	require.Equal(t, "UNAUTHENTICATED", b.do("not.a.jwt", `{ me { id } }`, nil).code())

	var me struct {
		ID          string
		DisplayName string
		IsAdmin     bool
		IsNewUser   bool
		LastLoginAt *time.Time
	}
	b.ok(tok, `{ me { id displayName isAdmin isNewUser lastLoginAt } }`, nil, "me", &me)
	require.Equal(t, u.ID.String(), me.ID)
	require.False(t, me.IsAdmin)
	require.True(t, me.IsNewUser)
	require.NotNil(t, me.LastLoginAt)

	// A JWT with the user id as subject works too.
	jwt, err := b.jwt.Sign(u.ID, time.Minute)
	require.NoError(t, err)
	b.ok(jwt, `{ me { id } }`, nil, "me", &me)
	require.Equal(t, u.ID.String(), me.ID)

	// API keys: created (secret shown once), listed without the secret, revoked.
	var created struct {
		APIKey struct{ ID, Prefix string }
		Secret string
	}
	b.ok(tok, `mutation { createAPIKey(name: "ci") { apiKey { id prefix } secret } }`, nil, "createAPIKey", &created)
	require.True(t, len(created.Secret) > 40)
	require.Equal(t, created.Secret[:len(created.APIKey.Prefix)], created.APIKey.Prefix)
	b.ok(created.Secret, `{ me { id } }`, nil, "", nil)
	b.ok(tok, `mutation($id: ID!) { revokeAPIKey(id: $id) { isRevoked } }`, map[string]any{"id": created.APIKey.ID}, "", nil)
	require.Equal(t, "UNAUTHENTICATED", b.do(created.Secret, `{ me { id } }`, nil).code())

	// updateMe validates its input.
	require.Equal(t, "BAD_USER_INPUT", b.do(tok, `mutation { updateMe(input: {timezone: "Mars/Olympus"}) { id } }`, nil).code())
	var upd struct{ Timezone, DisplayName string }
	b.ok(tok, `mutation { updateMe(input: {timezone: "Europe/Paris", name: "Ada"}) { timezone displayName } }`, nil, "updateMe", &upd)
	require.Equal(t, "Europe/Paris", upd.Timezone)
	require.Equal(t, "Ada", upd.DisplayName)

	// A deactivated user's tokens stop working at once.
	b.ok(adm, `mutation($id: ID!) { deactivateUser(userId: $id) { isActive } }`, map[string]any{"id": u.ID.String()}, "", nil)
	require.Equal(t, "UNAUTHENTICATED", b.do(tok, `{ me { id } }`, nil).code())
	require.Equal(t, "UNAUTHENTICATED", b.do(jwt, `{ me { id } }`, nil).code())
}

func TestProtectionLimits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	deep := `{ graphs { edges { node { nodes { block { id } } links { source { block { id } } sink { id } } versions { versions { versions { versions { versions { versions { id } } } } } } } } } }`
	r := b.do(tok, deep, nil)
	require.NotEmpty(t, r.Errors)
	require.Contains(t, []string{"DEPTH_LIMIT_EXCEEDED", "COMPLEXITY_LIMIT_EXCEEDED"}, r.code())
	r = b.do(tok, `{ graphs(first: 100) { edges { node { nodes { block { id } } links { id } versions { nodes { id } } executions(first: 100) { edges { node { nodeExecutions { id } } } } } } } }`, nil)
	require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", r.code(), "%+v", r.Errors)
	// Introspection stays on.
	b.ok(tok, `{ __schema { queryType { name } } }`, nil, "", nil)
	b.ok("", `{ __type(name: "Graph") { name } }`, nil, "", nil)
}

// updateMe: a name is trimmed, and an empty or blank one removes the name
// (null, displayName from the email) rather than storing "" or spaces.
func TestUpdateMeBlankNameRemovesIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	local := u.Email[:strings.IndexByte(u.Email, '@')]
	upd := `mutation($n: String) { updateMe(input: {name: $n}) { name displayName } }`
	var got struct {
		Name        *string
		DisplayName string
	}
	b.ok(tok, upd, map[string]any{"n": "  Ada  "}, "updateMe", &got)
	require.Equal(t, "Ada", *got.Name)
	for _, blank := range []string{"", "   "} {
		b.ok(tok, upd, map[string]any{"n": "Ada"}, "updateMe", &got)
		b.ok(tok, upd, map[string]any{"n": blank}, "updateMe", &got)
		require.Nil(t, got.Name, "%q", blank)
		require.Equal(t, local, got.DisplayName, "%q", blank)
	}
	// Omitted: the name is kept.
	b.ok(tok, upd, map[string]any{"n": "Ada"}, "updateMe", &got)
	b.ok(tok, `mutation { updateMe(input: {timezone: "UTC"}) { name } }`, nil, "updateMe", &got)
	require.Equal(t, "Ada", *got.Name)
}

// createAPIKey stores each permission once.
func TestCreateAPIKeyStoresEachPermissionOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var created struct {
		APIKey struct{ Permissions []string }
	}
	b.ok(tok, `mutation { createAPIKey(name: "dup", permissions: [READ_GRAPHS, READ_EXECUTIONS, READ_GRAPHS]) { apiKey { permissions } } }`,
		nil, "createAPIKey", &created)
	require.Equal(t, []string{"READ_GRAPHS", "READ_EXECUTIONS"}, created.APIKey.Permissions)
	var keys []struct {
		Name        string
		Permissions []string
	}
	b.ok(tok, `{ myAPIKeys { name permissions } }`, nil, "myAPIKeys", &keys)
	for _, k := range keys {
		if k.Name == "dup" {
			require.Equal(t, []string{"READ_GRAPHS", "READ_EXECUTIONS"}, k.Permissions)
		}
	}
}
