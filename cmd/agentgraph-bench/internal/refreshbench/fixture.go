package refreshbench

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/model"
)

// provider is the name the stub is configured under (OAUTH_PROVIDERS).
const provider = "fake"

// fixture is the bench's database, provider stub and one user's connected
// OAuth2 credential, plus the environment the node processes share.
type fixture struct {
	store  *db.Store
	stub   *oauthstub.Stub
	userID uuid.UUID
	cred   uuid.UUID
	env    map[string]string
}

// newFixture connects a credential the way a user does (startIntegrationOAuth,
// the provider's redirect, the callback), so the stub knows its refresh
// token and rotates it at each refresh.
func newFixture(ctx context.Context, store *db.Store, dbURL string, rtt time.Duration) (*fixture, error) {
	stub := oauthstub.New()
	stub.RefreshDelay = rtt
	f := &fixture{store: store, stub: stub, env: stub.Env(provider)}
	key := livebench.RandomHex(32)
	f.env["ENCRYPTION_KEY"] = key
	f.env["DATABASE_URL"] = dbURL
	raw, _ := hex.DecodeString(key)
	cipher, err := credentials.NewCipher(raw)
	if err != nil {
		stub.Close()
		return nil, err
	}
	reg, err := integrations.FromEnv(func(k string) string { return f.env[k] })
	if err != nil {
		stub.Close()
		return nil, err
	}
	connect := &integrations.Connect{Store: store, Creds: credentials.NewService(store, cipher).WithProviders(reg, nil),
		Cipher: cipher, Registry: reg, PublicURL: "http://127.0.0.1"}
	cred, err := f.connect(ctx, connect)
	if err != nil {
		stub.Close()
		return nil, fmt.Errorf("connecting the credential: %w", err)
	}
	f.cred = cred.ID
	return f, nil
}

func (f *fixture) connect(ctx context.Context, c *integrations.Connect) (*model.Credential, error) {
	u, err := f.store.UserCreate(ctx, db.NewUser{Email: "refresh-" + livebench.RandomHex(6) + "@example.com"})
	if err != nil {
		return nil, err
	}
	f.userID = u.ID
	authURL, err := c.Start(ctx, u.ID, provider, nil, nil)
	if err != nil {
		return nil, err
	}
	// The browser's step: the provider answers with a redirect to our callback.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	_, cred, err := c.Finish(ctx, provider, back.Query())
	return cred, err
}

// expireAt sets when the credential's access token expires: within the
// 5-minute margin it is due for refresh. A new version (updated_at), so no
// process serves it from its decryption cache.
func (f *fixture) expireAt(ctx context.Context, at time.Time) error {
	return f.store.InTx(ctx, func(tx *db.Store) error {
		c, err := tx.CredentialLock(ctx, f.cred)
		if err != nil {
			return err
		}
		_, err = tx.CredentialSetTokens(ctx, f.cred, c.SecretEncrypted, &at, nil, c.Scopes)
		return err
	})
}

func (f *fixture) close() { f.stub.Close() }
