package resolvers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TestCredentialsAreWriteOnly: a stored secret never comes back through the
// API, another user cannot see or delete it, and a block run gets it decrypted.
func TestCredentialsAreWriteOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, a := b.user(model.RoleUser)
	_, bob := b.user(model.RoleUser)
	const secret = "sk-very-secret-value-123"
	r := b.do(a, `mutation { createCredential(input: {provider: "openai", authType: API_KEY, title: "mine", secret: "`+secret+`"}) {
		id provider authType title isValid isExpired } }`, nil)
	require.Empty(t, r.Errors)
	raw, _ := json.Marshal(r)
	require.False(t, strings.Contains(string(raw), secret), "the secret is never returned")
	var c struct{ ID string }
	require.NoError(t, json.Unmarshal(r.Data["createCredential"], &c))

	r = b.do(a, `{ credentials { id provider title metadata } }`, nil)
	raw, _ = json.Marshal(r)
	require.Contains(t, string(raw), c.ID)
	require.NotContains(t, string(raw), secret)

	var none []any
	b.ok(bob, `{ credentials { id } }`, nil, "credentials", &none)
	require.Empty(t, none)
	require.Equal(t, "NOT_FOUND", b.do(bob, `mutation($id: ID!) { deleteCredential(id: $id) }`, map[string]any{"id": c.ID}).code())

	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	got, err := credentials.NewService(b.store, cipher).ForRun(context.Background(), u.ID, []string{"openai"})
	require.NoError(t, err)
	require.Equal(t, secret, got["openai"].Secret)
	_, err = credentials.NewService(b.store, cipher).ForRun(context.Background(), uuid.New(), []string{"openai"})
	require.NoError(t, err)

	b.ok(a, `mutation($id: ID!) { deleteCredential(id: $id) }`, map[string]any{"id": c.ID}, "", nil)
	require.Equal(t, "BAD_USER_INPUT", b.do(a, `mutation { createCredential(input: {provider: "", authType: API_KEY, secret: "x"}) { id } }`, nil).code())
}
