package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/resolvers"
)

func handlerWithOrigins(origins ...string) http.Handler {
	return NewHandler(Options{
		Resolver:       &resolvers.Resolver{Store: db.New(nil)},
		Auth:           &auth.Authenticator{},
		Logger:         slog.New(slog.DiscardHandler),
		Ready:          func(context.Context) error { return nil },
		AllowedOrigins: origins,
	})
}

func preflight(h http.Handler, origin string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func corsPost(h http.Handler, origin string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// corsHeaders are the response's Access-Control-* headers.
func corsHeaders(rec *httptest.ResponseRecorder) http.Header {
	out := http.Header{}
	for k, v := range rec.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = v
		}
	}
	return out
}

func TestCORSListedOrigin(t *testing.T) {
	t.Parallel()
	h := handlerWithOrigins("https://app.example", "admin.example")
	const app = "https://app.example"

	rec := preflight(h, app)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, app, rec.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", rec.Header().Get("Access-Control-Allow-Credentials"))
	require.Equal(t, "GET, POST, OPTIONS", rec.Header().Get("Access-Control-Allow-Methods"))
	allowHeaders := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
	for _, want := range []string{"authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name"} {
		require.Contains(t, allowHeaders, want)
	}
	require.Equal(t, "3600", rec.Header().Get("Access-Control-Max-Age"))
	require.Contains(t, rec.Header().Values("Vary"), "Origin")
	require.Empty(t, rec.Body.String())

	rec = corsPost(h, app)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, app, rec.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "Retry-After", rec.Header().Get("Access-Control-Expose-Headers"))
	require.Contains(t, rec.Header().Values("Vary"), "Origin")
	require.JSONEq(t, `{"data":{"__typename":"Query"}}`, rec.Body.String())

	// A bare host matches it under any scheme, as for websockets.
	require.Equal(t, "http://admin.example", preflight(h, "http://admin.example").Header().Get("Access-Control-Allow-Origin"))

	// Errors carry the headers too, or the browser hides them from the app.
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", app)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, app, rec.Header().Get("Access-Control-Allow-Origin"))
}

func TestCORSOtherOrigins(t *testing.T) {
	t.Parallel()
	h := handlerWithOrigins("https://app.example")
	for _, o := range []string{"https://evil.example", "http://app.example", "https://app.example.evil.example", "null"} {
		rec := preflight(h, o)
		require.Empty(t, corsHeaders(rec), o)
		require.NotEqual(t, http.StatusNoContent, rec.Code, o) // gqlgen's plain OPTIONS answer
		rec = corsPost(h, o)
		require.Equal(t, http.StatusOK, rec.Code, o)
		require.Empty(t, corsHeaders(rec), o)
	}
	// No Origin (not a browser): nothing to say.
	require.Empty(t, corsHeaders(corsPost(h, "")))
}

func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	h := handlerWithOrigins("*")
	rec := preflight(h, "https://anything.example")
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, "*", rec.Header().Get("Access-Control-Allow-Origin"))
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Credentials"), "browsers refuse * with credentials")
	rec = corsPost(h, "https://anything.example")
	require.Equal(t, "*", rec.Header().Get("Access-Control-Allow-Origin"))
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Credentials"))
}

// The default (no ALLOWED_ORIGINS) is same-origin only, as before: no CORS
// answer for anyone.
func TestCORSDefaultIsSameOrigin(t *testing.T) {
	t.Parallel()
	h := testHandler()
	rec := preflight(h, "https://app.example")
	require.Empty(t, corsHeaders(rec))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Allow"), "POST")
	require.Empty(t, corsHeaders(corsPost(h, "https://app.example")))
	require.Empty(t, corsHeaders(corsPost(h, "http://example.com"))) // httptest's own host
}
