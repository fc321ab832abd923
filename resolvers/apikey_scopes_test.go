package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A key created with permissions may do only those: anything else answers
// FORBIDDEN naming the permission it lacks. Keys without a list (and those
// made before permissions existed) may do everything.
func TestScopedAPIKeyPermissions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, full := b.user(model.RoleUser)
	var created struct {
		Secret string
		APIKey struct{ Permissions []string }
	}
	b.ok(full, `mutation { createAPIKey(name: "reader", permissions: [READ_GRAPHS, READ_EXECUTIONS]) { secret apiKey { permissions } } }`,
		nil, "createAPIKey", &created)
	require.Equal(t, []string{"READ_GRAPHS", "READ_EXECUTIONS"}, created.APIKey.Permissions)
	reader := created.Secret

	b.ok(reader, `{ graphs { pageInfo { hasNextPage } } }`, nil, "graphs", nil)
	b.ok(reader, `{ me { id } }`, nil, "me", nil)
	for perm, op := range map[string]string{
		"WRITE_GRAPHS":       `mutation { createGraph(input: {name: "x", nodes: [], links: []}) { id } }`,
		"EXECUTE_GRAPHS":     `mutation { executeGraph(graphId: "00000000-0000-0000-0000-000000000000") { id } }`,
		"MANAGE_CREDENTIALS": `{ credentials { id } }`,
		"ADMIN":              `mutation { createAPIKey(name: "wider") { secret } }`,
	} {
		r := b.do(reader, op, nil)
		require.Equal(t, "FORBIDDEN", r.code(), op)
		require.Contains(t, r.Errors[0].Message, "lacks the "+perm+" permission", op)
	}

	// Sharing a run makes it public: a write, not a read.
	for _, op := range []string{
		`mutation { shareExecution(id: "00000000-0000-0000-0000-000000000000") { shareToken } }`,
		`mutation { unshareExecution(id: "00000000-0000-0000-0000-000000000000") { id } }`,
	} {
		r := b.do(reader, op, nil)
		require.Equal(t, "FORBIDDEN", r.code(), op)
		require.Contains(t, r.Errors[0].Message, "lacks the EXECUTE_GRAPHS permission", op)
	}

	// The unscoped key lists every permission and may do everything.
	var keys []struct {
		Name        string
		Permissions []string
	}
	b.ok(full, `{ myAPIKeys { name permissions } }`, nil, "myAPIKeys", &keys)
	require.Len(t, keys, 2)
	require.Equal(t, []string{"READ_GRAPHS", "WRITE_GRAPHS", "EXECUTE_GRAPHS", "READ_EXECUTIONS", "MANAGE_CREDENTIALS", "ADMIN"}, keys[0].Permissions)
	b.ok(full, `{ credentials { id } }`, nil, "credentials", nil)

	// ADMIN holds every other permission.
	b.ok(full, `mutation { createAPIKey(name: "admin", permissions: [ADMIN]) { secret } }`, nil, "createAPIKey", &created)
	b.ok(created.Secret, `{ credentials { id } }`, nil, "credentials", nil)

	r := b.do(full, `mutation { createAPIKey(name: "none", permissions: []) { secret } }`, nil)
	require.Equal(t, "BAD_USER_INPUT", r.code())
}
