package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// Consent denied at the provider (RFC 6749 §4.1.2.1): a connect the web app
// started (redirectTo, its Integrations page) goes back there with the
// reason, one started without redirectTo ends on a page that says so and
// links to the Integrations page; neither stores anything.
func TestOAuthCallbackDeniedConsent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	stub.Deny.Store(true)
	env := stub.Env("acme")
	reg, err := integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	pool, _ := testenv.NewDatabase(t, 4)
	store := db.New(pool)
	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	creds := credentials.NewService(store, cipher).WithProviders(reg, nil)
	user, err := store.UserCreate(ctx, db.NewUser{Email: "denied@example.com"})
	require.NoError(t, err)
	const public = "https://agentgraph.example"
	connect := &integrations.Connect{Store: store, Creds: creds, Cipher: cipher, Registry: reg, PublicURL: public}
	mux := http.NewServeMux()
	mux.Handle(integrations.CallbackPath, oauthCallbackHandler(connect, nil))

	// callback starts a connect and follows the provider's redirect back to the callback, as a browser would.
	callback := func(redirectTo *string) *httptest.ResponseRecorder {
		authURL, err := connect.Start(ctx, user.ID, "acme", nil, redirectTo)
		require.NoError(t, err)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(authURL)
		require.NoError(t, err)
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, back.RequestURI(), nil))
		return rec
	}

	to := public + "/credentials"
	rec := callback(&to)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	loc, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	require.Equal(t, to, loc.Scheme+"://"+loc.Host+loc.Path)
	require.Equal(t, "access_denied", loc.Query().Get(integrations.RefusedError))
	require.Equal(t, "acme", loc.Query().Get(integrations.RefusedProvider))

	rec = callback(nil)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "You declined access at")
	require.Contains(t, rec.Body.String(), `<a href="`+public+`/credentials">`)

	stored, err := creds.List(ctx, user.ID, nil)
	require.NoError(t, err)
	require.Empty(t, stored)
	require.Zero(t, stub.Exchanges.Load())
}
