package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The page must work offline: everything it loads comes from this server.
func TestGraphiQLPageIsSelfContained(t *testing.T) {
	t.Parallel()
	h := testHandler()
	page := get(t, h, "/graphiql")
	require.Equal(t, http.StatusOK, page.Code)
	require.Equal(t, "text/html; charset=utf-8", page.Header().Get("Content-Type"))
	require.Contains(t, page.Header().Get("Content-Security-Policy"), "default-src 'self'")
	html := page.Body.String()
	require.Contains(t, html, `id="graphiql"`)

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(html, -1)
	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	served := map[string]bool{}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		require.True(t, strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "//"), "non-local reference %q", ref)
		rec := get(t, h, ref)
		require.Equal(t, http.StatusOK, rec.Code, ref)
		ext := ref[strings.LastIndex(ref, "."):]
		require.Equal(t, wantType[ext], rec.Header().Get("Content-Type"), ref)
		require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		require.Greater(t, rec.Body.Len(), 1000, ref)
		served[ext] = true
	}
	require.True(t, served[".js"] && served[".css"], "the page loads its script and stylesheet: %v", refs)

	// The bundle has GraphiQL and the websocket client in it.
	js := get(t, h, "/graphiql/graphiql.js").Body.String()
	require.Contains(t, js, "graphql-transport-ws")
}

func TestGraphiQLAssetsGzipAndRevalidate(t *testing.T) {
	t.Parallel()
	h := testHandler()
	plain := get(t, h, "/graphiql/graphiql.js")
	require.Empty(t, plain.Header().Get("Content-Encoding"))

	zipped := get(t, h, "/graphiql/graphiql.js", "Accept-Encoding", "gzip, br")
	require.Equal(t, "gzip", zipped.Header().Get("Content-Encoding"))
	require.Less(t, zipped.Body.Len(), plain.Body.Len()/2)
	zr, err := gzip.NewReader(zipped.Body)
	require.NoError(t, err)
	unzipped, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.True(t, bytes.Equal(plain.Body.Bytes(), unzipped))

	etag := plain.Header().Get("ETag")
	require.NotEmpty(t, etag)
	require.NotEqual(t, etag, zipped.Header().Get("ETag"), "each encoding has its own ETag")
	require.Equal(t, http.StatusNotModified, get(t, h, "/graphiql/graphiql.js", "If-None-Match", etag).Code)
	require.Equal(t, http.StatusOK, get(t, h, "/graphiql/graphiql.js", "If-None-Match", `"stale"`).Code)
	require.Equal(t, http.StatusOK, get(t, h, "/graphiql/graphiql.js", "Accept-Encoding", "gzip;q=0").Code)
	require.Empty(t, get(t, h, "/graphiql/graphiql.js", "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding"))
}

func TestGraphiQLUnknownPathsAndMethods(t *testing.T) {
	t.Parallel()
	h := testHandler()
	require.Equal(t, http.StatusNotFound, get(t, h, "/nope").Code)
	require.Equal(t, http.StatusNotFound, get(t, h, "/graphiql/").Code)
	require.Equal(t, http.StatusNotFound, get(t, h, "/graphiql/index.html").Code, "the page lives at /graphiql only")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphiql", strings.NewReader("x")))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/graphiql", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Zero(t, rec.Body.Len())
}
