package server

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The app's page loads nothing from elsewhere, and its bundle is the React
// Flow canvas and the graphql-ws client.
func TestWebAppPageIsSelfContained(t *testing.T) {
	t.Parallel()
	h := testHandler()
	page := get(t, h, "/")
	require.Equal(t, http.StatusOK, page.Code)
	require.Equal(t, "text/html; charset=utf-8", page.Header().Get("Content-Type"))
	csp := page.Header().Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'self'")
	require.Contains(t, csp, "script-src 'self';")
	html := page.Body.String()
	require.Contains(t, html, `id="app"`)

	// An inline data: URL (the icon) fetches nothing; the CSP's img-src allows it.
	var refs []string
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if !strings.HasPrefix(m[1], "data:") {
			refs = append(refs, m[1])
		}
	}
	require.Len(t, refs, 2, "the page loads one stylesheet and one script")
	for _, ref := range refs {
		require.True(t, strings.HasPrefix(ref, "/app/"), "non-local reference %q", ref)
		rec := get(t, h, ref)
		require.Equal(t, http.StatusOK, rec.Code, ref)
		require.Greater(t, rec.Body.Len(), 1000, ref)
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	}
	js := get(t, h, "/app/app.js").Body.String()
	require.Contains(t, js, "graphql-transport-ws")
	require.Contains(t, js, "react-flow")
	require.NotRegexp(t, `https?://(fonts|cdn|unpkg)`, js, "nothing is fetched from a CDN")

	zipped := get(t, h, "/app/app.js", "Accept-Encoding", "gzip")
	require.Equal(t, "gzip", zipped.Header().Get("Content-Encoding"))
	require.Less(t, zipped.Body.Len(), 500*1024, "the app's JavaScript stays under 500 KB gzipped")
}

// Every page of the app has a URL the server answers with the app, so a
// reload or a bookmark works; other paths stay 404.
func TestWebAppRoutes(t *testing.T) {
	t.Parallel()
	h := testHandler()
	root := get(t, h, "/").Body.String()
	for _, p := range []string{"/graphs", "/graphs/new", "/graphs/4b0c8f0e-4a4e-4f7e-9a43-2b0f3c7b9d10", "/runs/abc", "/shared/tok_123", "/credentials"} {
		rec := get(t, h, p)
		require.Equal(t, http.StatusOK, rec.Code, p)
		require.Equal(t, root, rec.Body.String(), p)
		require.NotEmpty(t, rec.Header().Get("Content-Security-Policy"), p)
	}
	for _, p := range []string{"/nope", "/credentials/x", "/graphs/a/b", "/runs/", "/shared/", "/app/", "/app/index.html", "/app/missing.js"} {
		require.Equal(t, http.StatusNotFound, get(t, h, p).Code, p)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/runs/x", strings.NewReader("x")))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
