package resolvers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/schedule"
	"github.com/agentgraph/agentgraph/internal/server"
	"github.com/agentgraph/agentgraph/internal/testenv"
	"github.com/agentgraph/agentgraph/resolvers"
)

// echo is a local server that remembers the Authorization header of each
// request (and answers without it, so no token reaches a run's outputs).
type echo struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newEcho(t *testing.T) *echo {
	e := &echo{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.auths = append(e.auths, r.Header.Get("Authorization"))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]bool{"authorized": r.Header.Get("Authorization") != ""})
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *echo) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auths...)
}

// setupIntegrations is the API with the integrations wired as in
// internal/app: OAUTH_PROVIDERS=fake pointing at a local stub, the
// callback served, and an engine that resolves and checks credentials.
func setupIntegrations(t *testing.T, stub *oauthstub.Stub, extraEnv ...string) *bundle {
	t.Helper()
	return setupIntegrationsWith(t, stub, integrationsSetup{}, extraEnv...)
}

// integrationsSetup changes what setupIntegrationsWith builds; the zero
// value is setupIntegrations'.
type integrationsSetup struct {
	blocks   *blocks.Registry         // nil: blocks.Builtin()
	operator credentials.OperatorKeys // the operator's model keys, as in internal/app
}

func setupIntegrationsWith(t *testing.T, stub *oauthstub.Stub, o integrationsSetup, extraEnv ...string) *bundle {
	t.Helper()
	env := stub.Env("fake")
	for i := 0; i+1 < len(extraEnv); i += 2 {
		env[extraEnv[i]] = extraEnv[i+1]
	}
	reg, err := integrations.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	store := db.New(testenv.Postgres(t))
	br := o.blocks
	if br == nil {
		br = blocks.Builtin()
	}
	require.NoError(t, graphs.New(store, br).SyncBlocks(context.Background()))
	rdb, prefix := testenv.Redis(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := events.NewHub(rdb, prefix, logger, events.HubOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, hub.Start(ctx))
	t.Cleanup(hub.Stop)
	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	creds := credentials.NewService(store, cipher).WithProviders(reg, logger)
	eng := engine.New(store, br, events.NewPublisher(rdb, prefix), logger, engine.Options{MaxRuns: 32,
		Credentials: credentials.WithOperatorKeys(creds.ForRun, o.operator), CredentialByID: creds.ByID, CheckCredentials: creds.Check, AllowPrivateNetwork: true})
	require.NoError(t, eng.Start(context.Background()))
	t.Cleanup(eng.Stop)
	connect := &integrations.Connect{Store: store, Creds: creds, Cipher: cipher, Registry: reg}
	res := &resolvers.Resolver{CredentialService: creds, Store: store, Registry: br, GraphService: graphs.New(store, br),
		Runs: eng, Streams: livestream.New(store, hub, livestream.Options{Logger: logger}), Logger: logger, Integrations: connect,
		ScheduleService: schedule.NewService(store, eng)} // schedules are stored, never fired here: no scheduler
	h := server.NewHandler(server.Options{Resolver: res, Auth: &auth.Authenticator{Store: store}, Logger: logger,
		Ready: func(context.Context) error { return nil }, Integrations: connect})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	connect.PublicURL = srv.URL
	return &bundle{t: t, url: srv.URL + "/graphql", store: store, stmts: &counter{}, logger: logger}
}

const startOAuth = `mutation($p: String!, $r: String) { startIntegrationOAuth(provider: $p, redirectTo: $r) { authorizeUrl } }`

// connect runs the browser's part: start, follow the provider's redirect to
// the callback, and return the callback's answer.
func connectFake(t *testing.T, b *bundle, tok string) (*http.Response, string) {
	t.Helper()
	var s struct{ AuthorizeURL string }
	b.ok(tok, startOAuth, map[string]any{"p": "fake"}, "startIntegrationOAuth", &s)
	resp, err := http.Get(s.AuthorizeURL) // follows the provider's 302 to our callback
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// The check, end to end over HTTP: providers listed; connect through
// the stub stores one OAUTH2 credential visible without a secret; a graph's
// SendWebRequestBlock sends it as a bearer token; with the first token near
// expiry 20 concurrent runs cause one refresh and all use the new token;
// a replayed state stores nothing.
func TestIntegrationOAuthEndToEnd(t *testing.T) {
	t.Parallel()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	stub.FirstExpiresIn = 2 * time.Minute // due for refresh (5-minute margin) but valid at executeGraph
	stub.RefreshDelay = 30 * time.Millisecond
	b := setupIntegrations(t, stub)
	_, tok := b.user(model.RoleUser)

	var provs []struct {
		Name, DisplayName string
		AuthTypes         []string
		SupportedScopes   []string
	}
	b.ok(tok, `{ integrationProviders { name displayName authTypes supportedScopes } }`, nil, "integrationProviders", &provs)
	var fake *struct {
		Name, DisplayName string
		AuthTypes         []string
		SupportedScopes   []string
	}
	for i := range provs {
		if provs[i].Name == "fake" {
			fake = &provs[i]
		}
		require.NotEqual(t, "google", provs[i].Name, "an OAuth2-only provider without a client is not listed")
	}
	require.NotNil(t, fake)
	require.Equal(t, []string{"OAUTH2"}, fake.AuthTypes)
	require.Equal(t, []string{"read", "write"}, fake.SupportedScopes)

	resp, page := connectFake(t, b, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	require.Contains(t, page, "is connected")
	// The browser's callback URL, replayed: refused with a page, nothing stored.
	replay, err := http.Get(resp.Request.URL.String())
	require.NoError(t, err)
	replayPage, _ := io.ReadAll(replay.Body)
	replay.Body.Close()
	require.Equal(t, http.StatusBadRequest, replay.StatusCode)
	require.Contains(t, string(replayPage), "already used")

	r := b.do(tok, `{ credentials(provider: "fake") { id provider authType username scopes isValid expiresAt metadata } }`, nil)
	require.Empty(t, r.Errors)
	require.NotContains(t, string(r.Data["credentials"]), "access-", "no secret in the answer")
	require.NotContains(t, string(r.Data["credentials"]), "refresh-")
	var creds []struct {
		ID, Provider, AuthType, Username string
		Scopes                           []string
		IsValid                          bool
	}
	require.NoError(t, json.Unmarshal(r.Data["credentials"], &creds))
	require.Len(t, creds, 1, "one credential, the replay stored nothing")
	require.Equal(t, "OAUTH2", creds[0].AuthType)
	require.Equal(t, "octocat", creds[0].Username)
	require.True(t, creds[0].IsValid)

	ec := newEcho(t)
	in := map[string]any{"name": "authed", "nodes": []map[string]any{
		{"key": "web", "blockId": "SendWebRequestBlock", "inputDefault": map[string]any{"url": ec.URL, "method": "GET",
			"credentials": map[string]any{"id": creds[0].ID, "title": "Fake", "provider": "fake", "type": "OAUTH2"}}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "auth"}},
	}, "links": []map[string]any{{"sourceKey": "web", "sourceName": "response", "sinkKey": "out", "sinkName": "value"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)

	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ex struct{ ID string }
			b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
			ids[i] = ex.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		waitStatus(t, b, tok, id, "COMPLETED")
	}
	require.EqualValues(t, 1, stub.Refreshes.Load(), "20 runs, one refresh")
	seen := ec.seen()
	require.Len(t, seen, 20)
	for _, a := range seen {
		require.Equal(t, seen[0], a, "every run used the refreshed token")
		require.True(t, strings.HasPrefix(a, "Bearer access-"))
		require.True(t, stub.ValidAccess(strings.TrimPrefix(a, "Bearer ")))
	}
	require.NotEqual(t, "Bearer access-2", seen[0], "not the first token")

	// Stored inputs and outputs show the credential's id, never its token.
	r = b.do(tok, `query($id: ID!) { execution(id: $id) { outputs nodeExecutions { inputs outputs errorMessage } } }`,
		map[string]any{"id": ids[0]})
	require.Empty(t, r.Errors)
	stored := string(r.Data["execution"])
	require.NotContains(t, stored, "access-")
	require.NotContains(t, stored, "refresh-")
	require.Contains(t, stored, creds[0].ID)
	require.Contains(t, stored, `"authorized":true`)
}

// webGraph is a graph whose SendWebRequestBlock "web" calls url with the
// credential id, fed by "gate" (a first request) when gate is not "".
func webGraph(url, credID, gate string) map[string]any {
	web := map[string]any{"key": "web", "blockId": "SendWebRequestBlock", "inputDefault": map[string]any{"url": url, "method": "POST",
		"credentials": map[string]any{"id": credID}}}
	nodes := []map[string]any{web, {"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "r"}}}
	links := []map[string]any{{"sourceKey": "web", "sourceName": "response", "sinkKey": "out", "sinkName": "value"}}
	if gate != "" {
		nodes = append(nodes, map[string]any{"key": "gate", "blockId": "SendWebRequestBlock",
			"inputDefault": map[string]any{"url": gate, "method": "GET"}})
		links = append(links, map[string]any{"sourceKey": "gate", "sourceName": "response", "sinkKey": "web", "sinkName": "body"})
	}
	return map[string]any{"name": "web " + testenv.RandomSuffix(6), "nodes": nodes, "links": links}
}

func nodeErrors(t *testing.T, b *bundle, tok, id string) string {
	t.Helper()
	r := b.do(tok, `query($id: ID!) { execution(id: $id) { nodeExecutions { errorMessage } } }`, map[string]any{"id": id})
	require.Empty(t, r.Errors)
	return string(r.Data["execution"])
}

// A refused refresh fails the node clearly and invalidates the credential,
// so the next executeGraph is refused naming node and provider; a run whose
// credential is deleted while it is under way fails at its node; a graph
// naming a missing credential is refused at executeGraph.
func TestIntegrationCredentialFailures(t *testing.T) {
	t.Parallel()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	stub.FirstExpiresIn = 2 * time.Minute
	b := setupIntegrations(t, stub)
	_, tok := b.user(model.RoleUser)
	ec := newEcho(t)
	const exec = `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`

	// Deleted while the run waits at its gate: the node fails saying so.
	resp, _ := connectFake(t, b, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var creds []struct{ ID string }
	b.ok(tok, `{ credentials(provider: "fake") { id } }`, nil, "credentials", &creds)
	reached, release := make(chan struct{}), make(chan struct{})
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(reached)
		<-release
		_, _ = io.WriteString(w, "go")
	}))
	t.Cleanup(gate.Close)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": webGraph(ec.URL, creds[0].ID, gate.URL)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, exec, map[string]any{"g": g.ID}, "executeGraph", &ex)
	<-reached
	b.ok(tok, `mutation($id: ID!) { deleteCredential(id: $id) }`, map[string]any{"id": creds[0].ID}, "deleteCredential", nil)
	require.Len(t, stub.Revoked(), 2, "deleting revoked the refresh and access tokens at the provider")
	close(release)
	waitStatus(t, b, tok, ex.ID, "FAILED")
	require.Contains(t, nodeErrors(t, b, tok, ex.ID), "no longer exists (it was deleted)")
	require.Empty(t, ec.seen())

	// The same graph now: refused at executeGraph, naming node and provider.
	r := b.do(tok, exec, map[string]any{"g": g.ID})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	require.Contains(t, r.Errors[0].Message, `node "web"`)
	require.Contains(t, r.Errors[0].Message, "does not exist")

	// A refused refresh: the node fails clearly, the credential is marked.
	resp, _ = connectFake(t, b, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b.ok(tok, `{ credentials(provider: "fake") { id } }`, nil, "credentials", &creds)
	require.Len(t, creds, 1)
	stub.RefuseRefresh.Store(true)
	b.ok(tok, createGraph, map[string]any{"in": webGraph(ec.URL, creds[0].ID, "")}, "createGraph", &g)
	b.ok(tok, exec, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "FAILED")
	msg := nodeErrors(t, b, tok, ex.ID)
	require.Contains(t, msg, "no longer valid")
	require.Contains(t, msg, "invalid_grant")
	require.NotContains(t, msg, "refresh-")
	var after []struct {
		IsValid       bool
		InvalidReason *string
	}
	b.ok(tok, `{ credentials(provider: "fake") { isValid invalidReason } }`, nil, "credentials", &after)
	require.False(t, after[0].IsValid)
	require.Contains(t, *after[0].InvalidReason, "invalid_grant")
	r = b.do(tok, exec, map[string]any{"g": g.ID})
	require.Equal(t, "BAD_USER_INPUT", r.code())
	require.Contains(t, r.Errors[0].Message, `node "web" (SendWebRequestBlock)`)
	require.Contains(t, r.Errors[0].Message, "the fake credential")
	require.Empty(t, ec.seen(), "no request left with a refused credential")
}

// A GitHub block without a chosen credential uses the user's newest github
// credential against GITHUB_API_URL; a user without one is refused at
// executeGraph naming the node and the provider.
func TestGithubBlockUsesNewestGithubCredential(t *testing.T) {
	t.Parallel()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	var mu sync.Mutex
	var auths []string
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = io.WriteString(w, `[{"title":"A PR","html_url":"https://github.com/octo/hello/pull/1"}]`)
	}))
	t.Cleanup(gh.Close)
	b := setupIntegrations(t, stub, "GITHUB_API_URL", gh.URL+"/api/v3")
	_, with := b.user(model.RoleUser)
	_, without := b.user(model.RoleUser)
	in := func() map[string]any {
		return map[string]any{"name": "prs " + testenv.RandomSuffix(6), "nodes": []map[string]any{
			{"key": "prs", "blockId": "GithubListPullRequestsBlock", "inputDefault": map[string]any{"repo_url": "https://github.com/octo/hello"}},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "pr"}},
		}, "links": []map[string]any{{"sourceKey": "prs", "sourceName": "pull_request", "sinkKey": "out", "sinkName": "value"}}}
	}
	const exec = `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`
	var g struct{ ID string }
	b.ok(without, createGraph, map[string]any{"in": in()}, "createGraph", &g)
	r := b.do(without, exec, map[string]any{"g": g.ID})
	require.Equal(t, "BAD_USER_INPUT", r.code())
	require.Contains(t, r.Errors[0].Message, `node "prs" (GithubListPullRequestsBlock) needs a github credential and none is connected`)

	b.ok(with, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "ghp_pat"}) { id } }`, nil, "createCredential", nil)
	b.ok(with, createGraph, map[string]any{"in": in()}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(with, exec, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, with, ex.ID, "COMPLETED")
	var got struct {
		Outputs map[string][]map[string]string
	}
	b.ok(with, `query($id: ID!) { execution(id: $id) { outputs } }`, map[string]any{"id": ex.ID}, "execution", &got)
	require.Equal(t, "A PR", got.Outputs["pr"][0]["title"])
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"GET /api/v3/repos/octo/hello/pulls Bearer ghp_pat"}, auths)
}

// A credential no block could use as stored is refused, naming the field,
// and nothing is stored: an auth type its provider does not take (a newer
// OAuth2 "openai" credential would otherwise shadow the API key that works),
// scopes on an API key, a blank scope. A provider the registry does not know
// is taken as given.
func TestCreateCredentialChecksKindAgainstProvider(t *testing.T) {
	t.Parallel()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	b := setupIntegrations(t, stub)
	_, tok := b.user(model.RoleUser)
	const create = `mutation($in: IntegrationCredentialInput!) { createCredential(input: $in) { id provider authType scopes } }`
	for _, tc := range []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"provider": "openai", "authType": "OAUTH2", "secret": "tok"}, "input.authType"},
		{map[string]any{"provider": "fake", "authType": "BASIC_AUTH", "secret": "pw"}, "input.authType"},
		{map[string]any{"provider": "openai", "authType": "API_KEY", "secret": "sk", "scopes": []string{"a"}}, "input.scopes"},
		{map[string]any{"provider": "fake", "authType": "OAUTH2", "secret": "tok", "scopes": []string{"a", " "}}, "input.scopes[1]"},
	} {
		r := b.do(tok, create, map[string]any{"in": tc.in})
		require.Equalf(t, "BAD_USER_INPUT", r.code(), "%v: %+v", tc.in, r.Errors)
		require.Equalf(t, tc.field, r.Errors[0].Extensions["field"], "%v", tc.in)
	}
	var none []any
	b.ok(tok, `{ credentials { id } }`, nil, "credentials", &none)
	require.Empty(t, none, "a refused credential is not stored")

	var got struct{ Scopes []string }
	b.ok(tok, create, map[string]any{"in": map[string]any{"provider": "fake", "authType": "OAUTH2", "secret": "tok",
		"scopes": []string{"read", "write"}}}, "createCredential", &got)
	require.Equal(t, []string{"read", "write"}, got.Scopes)
	b.ok(tok, create, map[string]any{"in": map[string]any{"provider": "openai", "authType": "API_KEY", "secret": "sk"}}, "", nil)
	b.ok(tok, create, map[string]any{"in": map[string]any{"provider": "my-own-api", "authType": "CUSTOM", "secret": "x"}}, "", nil)
}
