package integrations_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	t       testing.TB
	store   *db.Store
	stub    *oauthstub.Stub
	reg     *integrations.Registry
	cipher  *credentials.Cipher
	creds   *credentials.Service
	connect *integrations.Connect
	user    *model.User
}

func setup(t testing.TB) *fixture {
	t.Helper()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	env := stub.Env("fake")
	reg, err := integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	store := db.New(testenv.Postgres(t))
	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	creds := credentials.NewService(store, cipher).WithProviders(reg, nil)
	u, err := store.UserCreate(context.Background(), db.NewUser{Email: "u" + testenv.RandomSuffix(8) + "@example.com"})
	require.NoError(t, err)
	return &fixture{t: t, store: store, stub: stub, reg: reg, cipher: cipher, creds: creds, user: u,
		connect: &integrations.Connect{Store: store, Creds: creds, Cipher: cipher, Registry: reg,
			PublicURL: "https://agentgraph.example", AllowedOrigins: []string{"https://app.example", "*"}}}
}

// authorize follows the authorize URL the way a browser would up to the
// provider's redirect, and returns the callback query it carries.
func (f *fixture) authorize(authURL string) url.Values {
	f.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	require.NoError(f.t, err)
	resp.Body.Close()
	require.Equal(f.t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(f.t, err)
	require.Equal(f.t, "/auth/integrations/fake/callback", loc.Path, "the provider sends the browser to our callback")
	return loc.Query()
}

func (f *fixture) list() []*model.Credential {
	f.t.Helper()
	p := "fake"
	cs, err := f.creds.List(context.Background(), f.user.ID, &p)
	require.NoError(f.t, err)
	return cs
}

func TestConnectStoresOneCredentialAndStateIsSingleUse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	redirect := "https://app.example/settings/integrations"
	authURL, err := f.connect.Start(ctx, f.user.ID, "fake", nil, &redirect)
	require.NoError(t, err)
	u, _ := url.Parse(authURL)
	require.Equal(t, "S256", u.Query().Get("code_challenge_method"))
	require.Equal(t, "https://agentgraph.example/auth/integrations/fake/callback", u.Query().Get("redirect_uri"))

	q := f.authorize(authURL)
	to, cred, err := f.connect.Finish(ctx, "fake", q)
	require.NoError(t, err)
	require.Equal(t, redirect, to)
	require.Equal(t, "OAUTH2", cred.AuthType)
	require.Equal(t, "octocat", *cred.Username, "the account name from the user-info endpoint")
	require.Equal(t, []string{"read", "write"}, cred.Scopes)
	require.NotNil(t, cred.ExpiresAt)
	require.Len(t, f.list(), 1)

	// The same callback again (a replay): refused, nothing more stored.
	_, _, err = f.connect.Finish(ctx, "fake", q)
	var ce *integrations.CallbackError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Message, "already used")
	require.Len(t, f.list(), 1)
	require.EqualValues(t, 1, f.stub.Exchanges.Load())

	// The handed-out credential carries the access token, not the refresh token.
	got, err := f.creds.ByID(ctx, f.user.ID, cred.ID.String())
	require.NoError(t, err)
	require.True(t, f.stub.ValidAccess(got.Secret))
	require.Equal(t, "Bearer", got.TokenType)
}

func TestConnectRefusalsStoreNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	var ce *integrations.CallbackError

	// Denied consent.
	f.stub.Deny.Store(true)
	authURL, err := f.connect.Start(ctx, f.user.ID, "fake", []string{"read"}, nil)
	require.NoError(t, err)
	_, _, err = f.connect.Finish(ctx, "fake", f.authorize(authURL))
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Message, "You declined access at")
	require.Empty(t, ce.Redirect, "a connect started without redirectTo ends on the page")
	f.stub.Deny.Store(false)

	// An expired state (the callback 11 minutes later).
	authURL, err = f.connect.Start(ctx, f.user.ID, "fake", nil, nil)
	require.NoError(t, err)
	q := f.authorize(authURL)
	late := *f.connect
	late.Clock = func() time.Time { return time.Now().Add(11 * time.Minute) }
	_, _, err = late.Finish(ctx, "fake", q)
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Message, "expired")

	// A code the provider rejects (forged: it never issued it).
	authURL, err = f.connect.Start(ctx, f.user.ID, "fake", nil, nil)
	require.NoError(t, err)
	q = f.authorize(authURL)
	q.Set("code", "code-forged")
	_, _, err = f.connect.Finish(ctx, "fake", q)
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Message, "invalid_grant")

	// An unknown state.
	_, _, err = f.connect.Finish(ctx, "fake", url.Values{"state": {"nope"}, "code": {"x"}})
	require.ErrorAs(t, err, &ce)

	require.Empty(t, f.list())
	require.Zero(t, f.stub.Exchanges.Load())

	// Bad starts answer BAD_USER_INPUT naming the argument.
	var ie *model.InputError
	for field, start := range map[string]func() error{
		"provider": func() error { _, err := f.connect.Start(ctx, f.user.ID, "openai", nil, nil); return err },
		"scopes":   func() error { _, err := f.connect.Start(ctx, f.user.ID, "fake", []string{"admin"}, nil); return err },
		"redirectTo": func() error {
			evil := "https://evil.example/steal" // "*" in ALLOWED_ORIGINS does not open redirects
			_, err := f.connect.Start(ctx, f.user.ID, "fake", nil, &evil)
			return err
		},
	} {
		require.ErrorAs(t, start(), &ie, field)
		require.Equal(t, field, ie.Field)
	}
}

// A provider's refusal of a connect started with redirectTo sends the
// browser back there, its own query kept and the reason added, and stores
// nothing; a long description is cut.
func TestConnectRefusedByProviderGoesBackToTheStartingPage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	redirect := "https://agentgraph.example/credentials?from=settings"
	var ce *integrations.CallbackError

	f.stub.Deny.Store(true)
	authURL, err := f.connect.Start(ctx, f.user.ID, "fake", nil, &redirect)
	require.NoError(t, err)
	_, _, err = f.connect.Finish(ctx, "fake", f.authorize(authURL))
	require.ErrorAs(t, err, &ce)
	to, err := url.Parse(ce.Redirect)
	require.NoError(t, err)
	require.Equal(t, "https://agentgraph.example/credentials", to.Scheme+"://"+to.Host+to.Path)
	require.Equal(t, url.Values{"from": {"settings"}, integrations.RefusedProvider: {"fake"}, integrations.RefusedError: {"access_denied"},
		integrations.RefusedDescription: {"The user denied access"}}, to.Query())

	// Another error, with a description far longer than a URL should carry.
	authURL, err = f.connect.Start(ctx, f.user.ID, "fake", nil, &redirect)
	require.NoError(t, err)
	q := f.authorize(authURL)
	q.Del("code")
	q.Set("error", "temporarily_unavailable")
	q.Set("error_description", strings.Repeat("é", 1000))
	_, _, err = f.connect.Finish(ctx, "fake", q)
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Message, "temporarily_unavailable")
	to, err = url.Parse(ce.Redirect)
	require.NoError(t, err)
	require.Equal(t, "temporarily_unavailable", to.Query().Get(integrations.RefusedError))
	require.Equal(t, 300, utf8.RuneCountInString(to.Query().Get(integrations.RefusedDescription)))

	require.Empty(t, f.list())
	require.Zero(t, f.stub.Exchanges.Load())
}

// The refusals of our own once the connect is known, an expired link and a
// code the provider will not exchange, send a connect started with
// redirectTo back there too, with codes of their own; the page's message
// is kept for one started without it. Was: a bare server page.
func TestConnectExpiredOrCodeRefusedGoesBackToTheStartingPage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	redirect := "https://agentgraph.example/credentials"
	var ce *integrations.CallbackError
	back := func(err error) url.Values {
		t.Helper()
		require.ErrorAs(t, err, &ce)
		to, perr := url.Parse(ce.Redirect)
		require.NoError(t, perr)
		require.Equal(t, redirect, to.Scheme+"://"+to.Host+to.Path)
		return to.Query()
	}

	authURL, err := f.connect.Start(ctx, f.user.ID, "fake", nil, &redirect)
	require.NoError(t, err)
	q := f.authorize(authURL)
	late := *f.connect
	late.Clock = func() time.Time { return time.Now().Add(11 * time.Minute) }
	_, _, err = late.Finish(ctx, "fake", q)
	require.Equal(t, url.Values{integrations.RefusedProvider: {"fake"}, integrations.RefusedError: {integrations.ConnectExpired}}, back(err))
	require.Contains(t, ce.Message, "expired")

	authURL, err = f.connect.Start(ctx, f.user.ID, "fake", nil, &redirect)
	require.NoError(t, err)
	q = f.authorize(authURL)
	q.Set("code", "code-forged")
	_, _, err = f.connect.Finish(ctx, "fake", q)
	got := back(err)
	require.Equal(t, integrations.ConnectCodeRefused, got.Get(integrations.RefusedError))
	require.Contains(t, got.Get(integrations.RefusedDescription), "invalid_grant")

	require.Empty(t, f.list())
}

// connected stores a credential through the whole flow.
func (f *fixture) connected() *model.Credential {
	f.t.Helper()
	authURL, err := f.connect.Start(context.Background(), f.user.ID, "fake", nil, nil)
	require.NoError(f.t, err)
	_, cred, err := f.connect.Finish(context.Background(), "fake", f.authorize(authURL))
	require.NoError(f.t, err)
	return cred
}

// 51 node runs in 3 processes (3 services: each its own in-process flight)
// need one credential due for refresh: the provider sees one refresh, and
// every run gets the new token.
func TestRefreshExactlyOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stub.FirstExpiresIn = time.Minute // within the 5-minute margin: due
	f.stub.RefreshDelay = 50 * time.Millisecond
	cred := f.connected()
	first, err := f.creds.ByID(context.Background(), f.user.ID, cred.ID.String())
	require.NoError(t, err)
	require.EqualValues(t, 1, f.stub.Refreshes.Load(), "a token due for refresh is refreshed before a block gets it")

	// Make it due again, then race.
	forceExpiry(t, f, cred.ID, time.Now().Add(time.Minute))
	procs := []*credentials.Service{
		credentials.NewService(f.store, f.cipher).WithProviders(f.reg, nil),
		credentials.NewService(db.New(testenv.Postgres(t)), f.cipher).WithProviders(f.reg, nil),
		credentials.NewService(db.New(testenv.Postgres(t)), f.cipher).WithProviders(f.reg, nil),
	}
	var wg sync.WaitGroup
	tokens := make([]string, 51)
	errs := make([]error, 51)
	start := make(chan struct{})
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := procs[i%3].ByID(context.Background(), f.user.ID, cred.ID.String())
			tokens[i], errs[i] = c.Secret, err
		}()
	}
	close(start)
	wg.Wait()
	for i := range tokens {
		require.NoError(t, errs[i])
		require.Equal(t, tokens[0], tokens[i], "every run uses the one new token")
	}
	require.NotEqual(t, first.Secret, tokens[0])
	require.True(t, f.stub.ValidAccess(tokens[0]))
	require.EqualValues(t, 2, f.stub.Refreshes.Load(), "one refresh for 51 runs in 3 processes")

	// The rotated refresh token was stored with the access token: the
	// next refresh (which the stub accepts only with the latest refresh
	// token) succeeds.
	forceExpiry(t, f, cred.ID, time.Now().Add(time.Minute))
	c, err := f.creds.ByID(context.Background(), f.user.ID, cred.ID.String())
	require.NoError(t, err)
	require.NotEqual(t, tokens[0], c.Secret)
	require.EqualValues(t, 3, f.stub.Refreshes.Load())
}

func forceExpiry(t testing.TB, f *fixture, id uuid.UUID, at time.Time) {
	t.Helper()
	require.NoError(t, f.store.InTx(context.Background(), func(tx *db.Store) error {
		c, err := tx.CredentialLock(context.Background(), id)
		if err != nil {
			return err
		}
		_, err = tx.CredentialSetTokens(context.Background(), id, c.SecretEncrypted, &at, nil, c.Scopes)
		return err
	}))
}

// A refresh the provider refuses marks the credential invalid with the
// reason; using it fails clearly and a run needing it is refused.
func TestRefusedRefreshInvalidates(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.stub.FirstExpiresIn = time.Minute
	cred := f.connected()
	f.stub.RefuseRefresh.Store(true)
	_, err := f.creds.ByID(context.Background(), f.user.ID, cred.ID.String())
	require.ErrorContains(t, err, "no longer valid")
	require.ErrorContains(t, err, "invalid_grant")
	require.NotContains(t, err.Error(), "refresh-", "no token in the message")
	cs := f.list()
	require.Len(t, cs, 1)
	require.False(t, cs[0].IsValid(time.Now()))
	require.Contains(t, *cs[0].InvalidReason, "invalid_grant")

	err = f.creds.Check(context.Background(), f.user.ID, []blocks.CredentialNeed{
		{Node: `"web"`, Block: "SendWebRequestBlock", Spec: blocks.CredentialsSpec{Optional: true}, ID: cred.ID.String()}})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.Contains(t, err.Error(), `node "web" (SendWebRequestBlock)`)
	require.Contains(t, err.Error(), "fake")
}

// Check names node and provider for each problem.
func TestCheckNamesNodeAndProvider(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cred := f.connected()
	github := blocks.CredentialsSpec{Providers: []string{"github"}, AuthTypes: []string{"OAUTH2"}}
	scoped := blocks.CredentialsSpec{Providers: []string{"fake"}, Scopes: []string{"admin"}}
	for _, tc := range []struct {
		need blocks.CredentialNeed
		want string
	}{
		{blocks.CredentialNeed{Node: `"a"`, Block: "GithubListIssuesBlock", Spec: github}, "needs a github credential and none is connected"},
		{blocks.CredentialNeed{Node: `"b"`, Block: "GithubListIssuesBlock", Spec: github, ID: cred.ID.String()}, "its provider is fake, the block accepts github"},
		{blocks.CredentialNeed{Node: `"c"`, Block: "X", Spec: scoped, ID: cred.ID.String()}, "lacks the scopes admin"},
		{blocks.CredentialNeed{Node: `"d"`, Block: "X", Spec: scoped, ID: uuid.NewString()}, "does not exist"},
	} {
		err := f.creds.Check(ctx, f.user.ID, []blocks.CredentialNeed{tc.need})
		require.ErrorContains(t, err, "node "+tc.need.Node)
		require.ErrorContains(t, err, tc.want)
	}
	require.NoError(t, f.creds.Check(ctx, f.user.ID, []blocks.CredentialNeed{
		{Node: `"e"`, Block: "X", Spec: blocks.CredentialsSpec{Providers: []string{"fake"}, Scopes: []string{"read"}}}}))
}

// Deleting revokes the refresh and access tokens at the provider; the
// credential is gone for runs.
func TestDeleteRevokes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cred := f.connected()
	c, err := f.creds.ByID(ctx, f.user.ID, cred.ID.String())
	require.NoError(t, err)
	require.NoError(t, f.creds.Delete(ctx, f.user.ID, cred.ID))
	revoked := f.stub.Revoked()
	require.Len(t, revoked, 2)
	require.Contains(t, revoked, c.Secret)
	require.False(t, f.stub.ValidAccess(c.Secret))
	_, err = f.creds.ByID(ctx, f.user.ID, cred.ID.String())
	require.ErrorContains(t, err, "no longer exists")
	require.ErrorIs(t, f.creds.Delete(ctx, f.user.ID, cred.ID), model.ErrNotFound)
}

func TestRegistryFromEnv(t *testing.T) {
	t.Parallel()
	names := func(r *integrations.Registry) []string {
		var out []string
		for _, p := range r.List() {
			out = append(out, p.Name)
		}
		return out
	}
	r, err := integrations.FromEnv(func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, []string{"github", "openai", "anthropic", "ollama", "http", "jina", "ideogram", "replicate", "google_maps"}, names(r),
		"github keeps API keys without a client; google is OAuth2 only")
	p, _ := r.Get("github")
	require.Nil(t, p.OAuth)
	require.Equal(t, "https://api.github.com", r.BaseURL("github"))
	p, _ = r.Get("jina")
	require.Equal(t, []string{"API_KEY"}, p.AuthTypes)
	require.Equal(t, map[string]string{"search": "https://s.jina.ai/", "reader": "https://r.jina.ai/"}, r.Endpoints("jina"))
	require.Nil(t, r.Endpoints("github"))
	r.Endpoints("jina")["search"] = "changed"
	require.Equal(t, "https://s.jina.ai/", r.Endpoints("jina")["search"], "a copy")

	env := map[string]string{"OAUTH_GOOGLE_CLIENT_ID": "g", "OAUTH_GOOGLE_CLIENT_SECRET": "s",
		"GITHUB_API_URL": "https://ghe.example/api/v3/", "OAUTH_PROVIDERS": "acme-sso",
		"OAUTH_ACME_SSO_CLIENT_ID": "a", "OAUTH_ACME_SSO_CLIENT_SECRET": "b", "OAUTH_ACME_SSO_AUTH_URL": "https://sso.acme/auth",
		"OAUTH_ACME_SSO_TOKEN_URL": "https://sso.acme/token", "OAUTH_ACME_SSO_SCOPES": "a b"}
	r, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, []string{"github", "google", "openai", "anthropic", "ollama", "http", "jina", "ideogram", "replicate", "google_maps", "acme-sso"}, names(r))
	p, _ = r.Get("acme-sso")
	require.Equal(t, []string{"a", "b"}, p.SupportedScopes)
	require.Equal(t, "https://ghe.example/api/v3", r.BaseURL("github"))

	// Jina's endpoints are the operator's to move (a proxy, a local stub).
	env["JINA_SEARCH_URL"], env["JINA_READER_URL"] = "http://127.0.0.1:9/s/", "http://127.0.0.1:9/r/"
	r, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"search": "http://127.0.0.1:9/s/", "reader": "http://127.0.0.1:9/r/"}, r.Endpoints("jina"))
	env["JINA_READER_URL"] = "r.jina.ai"
	_, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "JINA_READER_URL must be an http(s) URL")
	delete(env, "JINA_READER_URL")

	// And Google's Gmail API (the Gmail blocks).
	require.Equal(t, map[string]string{"gmail": "https://gmail.googleapis.com/"}, r.Endpoints("google"))
	env["GMAIL_API_URL"] = "http://127.0.0.1:9/gmail"
	r, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"gmail": "http://127.0.0.1:9/gmail"}, r.Endpoints("google"))
	env["GMAIL_API_URL"] = "gmail.googleapis.com"
	_, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "GMAIL_API_URL must be an http(s) URL")
	delete(env, "GMAIL_API_URL")

	// So are those of the example agents' services.
	require.Equal(t, "https://api.replicate.com", r.BaseURL("replicate"))
	env["IDEOGRAM_API_URL"], env["GOOGLE_MAPS_API_URL"] = "http://127.0.0.1:9/ideogram/", "http://127.0.0.1:9/maps"
	r, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/ideogram", r.BaseURL("ideogram"))
	require.Equal(t, "http://127.0.0.1:9/maps", r.BaseURL("google_maps"))
	env["REPLICATE_API_URL"] = "api.replicate.com"
	_, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "REPLICATE_API_URL must be an http(s) URL")
	delete(env, "REPLICATE_API_URL")

	delete(env, "OAUTH_ACME_SSO_TOKEN_URL")
	_, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "OAUTH_ACME_SSO_TOKEN_URL")
	env["OAUTH_PROVIDERS"] = "Bad Name"
	_, err = integrations.FromEnv(func(k string) string { return env[k] })
	require.ErrorContains(t, err, "OAUTH_PROVIDERS")
}
