package credentials

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// countingProviders is a provider that answers every refresh with a new
// token, counting them (internal/integrations/oauthstub is the real
// OAuth2 stub; it imports this package).
type countingProviders struct{ refreshes atomic.Int32 }

func (p *countingProviders) Refresh(context.Context, string, string) (*Token, error) {
	n := p.refreshes.Add(1)
	return &Token{AccessToken: fmt.Sprint("access-", n), Expiry: time.Now().Add(time.Hour)}, nil
}
func (p *countingProviders) Revoke(context.Context, string, string) error { return nil }
func (p *countingProviders) BaseURL(string) string                        { return "" }
func (p *countingProviders) Endpoints(string) map[string]string           { return nil }
func (p *countingProviders) AuthTypes(string) []string                    { return nil }

// A node run whose read of the row came before this process's refresh,
// too late to share its flight, uses that refresh's outcome: no second
// flight, which would take the credential's lock (here held by another
// process, so it would wait for it).
func TestLateNodeRunUsesTheRefreshItMissed(t *testing.T) {
	ctx := context.Background()
	store := db.New(testenv.Postgres(t))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cipher, err := NewCipher(key)
	require.NoError(t, err)
	provider := &countingProviders{}
	svc := NewService(store, cipher).WithProviders(provider, nil)
	u, err := store.UserCreate(ctx, db.NewUser{Email: "late-" + testenv.RandomSuffix(4) + "@example.com"})
	require.NoError(t, err)
	due := time.Now().Add(time.Minute)
	c, err := svc.Create(ctx, u.ID, New{Provider: "fake", AuthType: blocks.AuthOAuth2, Secret: "access-0",
		RefreshToken: "refresh", ExpiresAt: &due})
	require.NoError(t, err)
	stale, err := store.CredentialGetSealed(ctx, u.ID, c.ID) // the late node run's read
	require.NoError(t, err)

	got, err := svc.ByID(ctx, u.ID, c.ID.String())
	require.NoError(t, err)
	require.Equal(t, "access-1", got.Secret)

	hold, _, err := db.New(testenv.Postgres(t)).CredentialClaim(ctx, c.ID)
	require.NoError(t, err)
	require.NotNil(t, hold)
	defer hold.Release()
	wait, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	fresh, err := svc.refresh(wait, stale)
	require.NoError(t, err, "no new flight waiting for the other process")
	require.True(t, fresh.UpdatedAt.After(stale.UpdatedAt))
	late, err := svc.usable(wait, stale)
	require.NoError(t, err)
	require.Equal(t, "access-1", late.Secret)
	require.EqualValues(t, 1, provider.refreshes.Load())
}
