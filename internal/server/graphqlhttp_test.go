package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/resolvers"
)

// testHandler is the real HTTP surface over the real schema. The requests
// below never reach a resolver or loader that queries the store, so the
// store has no pool: the HTTP layer is tested without Postgres.
func testHandler() http.Handler {
	return NewHandler(Options{
		Resolver: &resolvers.Resolver{Store: db.New(nil)},
		Auth:     &auth.Authenticator{},
		Logger:   slog.New(slog.DiscardHandler),
		Ready:    func(context.Context) error { return nil },
	})
}

const (
	gqlResp = "application/graphql-response+json; charset=utf-8"
	jsonCT  = "application/json; charset=utf-8"
)

type httpCase struct {
	name        string
	method      string
	query       url.Values // GET parameters
	contentType string
	accept      string
	body        string

	status    int
	mediaType string
	code      string // extensions.code of the first error; "" = no errors
	allow     string
}

func (c httpCase) run(t *testing.T, h http.Handler) {
	t.Helper()
	target := "/graphql"
	if c.query != nil {
		target += "?" + c.query.Encode()
	}
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, target, strings.NewReader(c.body))
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	require.Equal(t, c.status, rec.Code, "body: %s", rec.Body)
	require.Equal(t, c.mediaType, rec.Header().Get("Content-Type"))
	if c.allow != "" {
		require.Equal(t, c.allow, rec.Header().Get("Allow"))
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), "body: %s", rec.Body)
	if c.code == "" {
		require.Empty(t, resp.Errors, "body: %s", rec.Body)
		require.NotEmpty(t, resp.Data)
		return
	}
	require.NotEmpty(t, resp.Errors, "body: %s", rec.Body)
	require.Equal(t, c.code, resp.Errors[0].Extensions["code"], "body: %s", rec.Body)
	if c.status != http.StatusOK || c.code == CodeBadRequest || strings.HasPrefix(c.code, "GRAPHQL_") {
		// Request errors: nothing ran, so there is no data entry at all.
		require.Nil(t, resp.Data, "body: %s", rec.Body)
	}
}

func TestGraphQLHTTPNegotiation(t *testing.T) {
	t.Parallel()
	h := testHandler()
	const ok = `{"query":"{ __typename }"}`
	for _, c := range []httpCase{
		{name: "graphql-response", accept: "application/graphql-response+json", status: 200, mediaType: gqlResp},
		{name: "json", accept: "application/json", status: 200, mediaType: jsonCT},
		{name: "no accept", status: 200, mediaType: jsonCT},
		{name: "any", accept: "*/*", status: 200, mediaType: jsonCT},
		{name: "application wildcard", accept: "application/*", status: 200, mediaType: jsonCT},
		{name: "both, graphql-http's order", accept: "application/graphql-response+json, application/json;q=0.9",
			status: 200, mediaType: gqlResp},
		{name: "q decides", accept: "application/json;q=0.5, application/graphql-response+json", status: 200, mediaType: gqlResp},
		{name: "q decides json", accept: "application/graphql-response+json;q=0.2, application/json", status: 200, mediaType: jsonCT},
		{name: "exact beats wildcard", accept: "*/*;q=0.8, application/graphql-response+json", status: 200, mediaType: gqlResp},
		{name: "refused by q=0", accept: "application/json;q=0, */*", status: 200, mediaType: gqlResp},
		{name: "browser", accept: "text/html,application/xhtml+xml,*/*;q=0.8", status: 200, mediaType: jsonCT},
		{name: "not acceptable", accept: "text/html", status: 406, mediaType: jsonCT, code: CodeBadRequest},
		{name: "not acceptable, event stream", accept: "text/event-stream", status: 406, mediaType: jsonCT, code: CodeBadRequest},
	} {
		c.contentType, c.body = "application/json", ok
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, h) })
	}
}

func TestGraphQLHTTPPostRequests(t *testing.T) {
	t.Parallel()
	h := testHandler()
	for _, c := range []httpCase{
		{name: "charset utf-8", contentType: "application/json; charset=UTF-8", body: `{"query":"{ __typename }"}`,
			status: 200, mediaType: jsonCT},
		{name: "no content type", body: `{"query":"{ __typename }"}`, status: 415, mediaType: jsonCT, code: CodeBadRequest},
		{name: "text/plain", contentType: "text/plain", body: `{"query":"{ __typename }"}`, status: 415, mediaType: jsonCT, code: CodeBadRequest},
		{name: "latin1", contentType: "application/json; charset=latin1", body: `{"query":"{ __typename }"}`,
			status: 415, mediaType: jsonCT, code: CodeBadRequest},
		{name: "empty body", contentType: "application/json", status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "broken json", contentType: "application/json", body: `{ "not a JSON`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "broken json, graphql-response", accept: "application/graphql-response+json", contentType: "application/json",
			body: `{ "not a JSON`, status: 400, mediaType: gqlResp, code: CodeBadRequest},
		{name: "trailing data", contentType: "application/json", body: `{"query":"{ __typename }"} {}`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "batch", contentType: "application/json", body: `[{"query":"{ __typename }"}]`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "no query", contentType: "application/json", body: `{"qeury":"{ __typename }"}`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "query object", contentType: "application/json", body: `{"query":{"obj":"ect"}}`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "query number", contentType: "application/json", body: `{"query":0}`, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "operationName false", contentType: "application/json", body: `{"query":"{ __typename }","operationName":false}`,
			status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "variables string", contentType: "application/json", body: `{"query":"{ __typename }","variables":"x"}`,
			status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "extensions array", contentType: "application/json", body: `{"query":"{ __typename }","extensions":["a"]}`,
			status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "nulls allowed", contentType: "application/json",
			body:   `{"query":"query Q { __typename }","operationName":null,"variables":null,"extensions":null}`,
			status: 200, mediaType: jsonCT},
		{name: "named operation", contentType: "application/json", accept: "application/graphql-response+json",
			body: `{"query":"query A { __typename } query B { __typename }","operationName":"B"}`, status: 200, mediaType: gqlResp},
		{name: "persisted query miss", contentType: "application/json", accept: "application/json",
			body:   `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}}`,
			status: 200, mediaType: jsonCT, code: "PERSISTED_QUERY_NOT_FOUND"},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, h) })
	}
}

// GraphQL request errors (nothing executed) are 400 under
// application/graphql-response+json and 200 under application/json.
func TestGraphQLHTTPRequestErrors(t *testing.T) {
	t.Parallel()
	h := testHandler()
	// Cheap but deep: each hop costs one, adds four levels.
	hop := "executions(first: 1) { edges { node { graph { "
	deep := `{ graph(id: "x") { ` + strings.Repeat(hop, 4) + "id" + strings.Repeat(" } } } }", 4) + " } }"
	costly := `{ graphs(first: 1000) { edges { node { executions(first: 1000) { edges { node { id } } } } } } }`
	for _, q := range []struct{ name, body, code string }{
		{"parse", `{"query":"{"}`, "GRAPHQL_PARSE_FAILED"},
		{"validation", `{"query":"{ noSuchField }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion", `{"query":"query Q($id: ID!) { __typename }","variables":{"id":null}}`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown operation", `{"query":"query A { __typename }","operationName":"B"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"depth", mustJSON(map[string]string{"query": deep}), "DEPTH_LIMIT_EXCEEDED"},
		{"complexity", mustJSON(map[string]string{"query": costly}), "COMPLEXITY_LIMIT_EXCEEDED"},
	} {
		t.Run(q.name+"/graphql-response", func(t *testing.T) {
			t.Parallel()
			httpCase{contentType: "application/json", accept: "application/graphql-response+json", body: q.body,
				status: 400, mediaType: gqlResp, code: q.code}.run(t, h)
		})
		t.Run(q.name+"/json", func(t *testing.T) {
			t.Parallel()
			httpCase{contentType: "application/json", accept: "application/json", body: q.body,
				status: 200, mediaType: jsonCT, code: q.code}.run(t, h)
		})
	}
}

func TestGraphQLHTTPMethods(t *testing.T) {
	t.Parallel()
	h := testHandler()
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, c := range []httpCase{
		{name: "GET query", method: "GET", query: q("query", "{ __typename }"), status: 200, mediaType: jsonCT},
		{name: "GET variables", method: "GET", accept: "application/graphql-response+json",
			query:  q("query", "query T($n: String!) { __type(name: $n) { name } }", "variables", `{"n":"Query"}`),
			status: 200, mediaType: gqlResp},
		{name: "GET mutation", method: "GET", accept: "application/graphql-response+json",
			query: q("query", "mutation { __typename }"), status: 405, mediaType: gqlResp, code: CodeBadRequest, allow: "POST"},
		{name: "GET subscription", method: "GET", query: q("query", "subscription S { executionEvents(executionId: \"x\") { seq } }"),
			status: 405, mediaType: jsonCT, code: CodeBadRequest, allow: "POST"},
		{name: "GET named query among mutations", method: "GET",
			query:  q("query", "mutation M { __typename } query Q { __typename }", "operationName", "Q"),
			status: 200, mediaType: jsonCT},
		{name: "GET no query", method: "GET", query: url.Values{}, status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "GET broken variables", method: "GET", query: q("query", "{ __typename }", "variables", "{"),
			status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "GET variables array", method: "GET", query: q("query", "{ __typename }", "variables", "[]"),
			status: 400, mediaType: jsonCT, code: CodeBadRequest},
		{name: "GET parse error", method: "GET", accept: "application/graphql-response+json", query: q("query", "{"),
			status: 400, mediaType: gqlResp, code: "GRAPHQL_PARSE_FAILED"},
		{name: "PUT", method: "PUT", contentType: "application/json", body: `{"query":"{ __typename }"}`,
			status: 405, mediaType: jsonCT, code: CodeBadRequest, allow: "GET, POST, OPTIONS"},
		{name: "DELETE", method: "DELETE", status: 405, mediaType: jsonCT, code: CodeBadRequest, allow: "GET, POST, OPTIONS"},
	} {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); c.run(t, h) })
	}
}

func TestGraphQLHTTPOptionsAndSize(t *testing.T) {
	t.Parallel()
	h := testHandler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, "/graphql", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Allow"), "POST")

	big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", MaxBodyBytes) + `"}}`
	httpCase{contentType: "application/json", body: big, status: 413, mediaType: jsonCT, code: CodeBadRequest}.run(t, h)
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	for accept, want := range map[string]string{
		"": mediaJSON,
		"application/json, application/graphql-response+json":          mediaGraphQLResponse,
		"application/*;q=0.5, application/graphql-response+json;q=0.4": mediaJSON,
		"application/graphql-response+json;q=0":                        "",
		"garbage;;;":                                                   "",
		"application/json;q=2":                                         "",
	} {
		var values []string
		if accept != "" {
			values = []string{accept}
		}
		require.Equal(t, want, negotiate(values), "Accept: %s", accept)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Websocket upgrades must reach the websocket transport untouched: the
// middleware buffers responses, and a buffered writer cannot be hijacked.
func TestGraphQLHTTPPassesWebsocketsThrough(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(testHandler())
	t.Cleanup(srv.Close)
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	conn, resp, err := dialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "graphql-transport-ws", conn.Subprotocol())

	require.NoError(t, conn.WriteJSON(map[string]any{"type": "connection_init"}))
	var ack struct{ Type string }
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	require.NoError(t, conn.ReadJSON(&ack))
	require.Equal(t, "connection_ack", ack.Type)
}
