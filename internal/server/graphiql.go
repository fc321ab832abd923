package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// The GraphiQL page and its bundle (GraphiQL, React and graphql-ws, built
// from e2e/graphiql/ with esbuild) live in the binary, so the IDE works with
// no network access beyond this server.
//
//go:embed graphiql
var graphiqlFiles embed.FS

// graphiqlCSP allows nothing but this origin: the bundle is local, the page
// talks to /graphql over fetch and websocket, and GraphiQL's fonts are data
// URLs. Inline styles are allowed because GraphiQL's editors set them.
const graphiqlCSP = "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"font-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var assetTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// asset is one embedded file, ready to serve: its type, a strong ETag and a
// gzipped copy (the bundle shrinks to a quarter).
type asset struct {
	contentType string
	etag        string
	body, gz    []byte
}

// loadAssets reads the embedded files once, on first use.
var loadAssets = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	_ = fs.WalkDir(graphiqlFiles, "graphiql", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := graphiqlFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := &asset{contentType: assetTypes[path.Ext(p)], etag: `"` + hex.EncodeToString(sum[:12]) + `"`, body: body}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
		out["/"+p] = a
		return nil
	})
	out["/"] = out["/graphiql/index.html"]
	delete(out, "/graphiql/index.html")
	return out
})

// graphiqlHandler serves the GraphiQL IDE at / and its assets under
// /graphiql/. It is the mux's catch-all, so every other path is a 404.
func graphiqlHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := loadAssets()[r.URL.Path]
		if a == nil {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		// Revalidate every time: a new binary may carry a new bundle under
		// the same name, and a 304 costs next to nothing.
		h.Set("Cache-Control", "no-cache")
		h.Add("Vary", "Accept-Encoding")
		if r.URL.Path == "/" {
			h.Set("Content-Security-Policy", graphiqlCSP)
			h.Set("Referrer-Policy", "no-referrer")
		}
		body, etag := a.body, a.etag
		if a.gz != nil && acceptsGzip(r) {
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
