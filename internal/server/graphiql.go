package server

import (
	"embed"
	"net/http"
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

// graphiqlAssets are read once, on first use; the page moves from
// /graphiql/index.html to /graphiql.
var graphiqlAssets = sync.OnceValue(func() map[string]*asset {
	out := loadAssets(graphiqlFiles, "graphiql", "/graphiql/")
	out["/graphiql"] = out["/graphiql/index.html"]
	delete(out, "/graphiql/index.html")
	return out
})

// serveGraphiQL serves the IDE at /graphiql and its assets under
// /graphiql/; it reports false for any other path.
func serveGraphiQL(w http.ResponseWriter, r *http.Request) bool {
	a := graphiqlAssets()[r.URL.Path]
	if a == nil {
		return false
	}
	csp := ""
	if r.URL.Path == "/graphiql" {
		csp = graphiqlCSP
	}
	serveAsset(w, r, a, csp)
	return true
}
