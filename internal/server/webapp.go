package server

import (
	"embed"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// The web app (web/, built by web/build.mjs into webapp/dist and committed)
// lives in the binary: `agentgraph serve` needs no Node and no network
// beyond itself. `make check-web` fails when dist is stale.
//
//go:embed webapp/dist
var webappFiles embed.FS

// webappCSP allows nothing but this origin. Inline styles are allowed
// because the canvas (React Flow) positions nodes with style attributes.
const webappCSP = "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// webappAssets are the bundle under /app/ and the page itself.
var webappAssets = sync.OnceValue(func() map[string]*asset {
	out := loadAssets(webappFiles, "webapp/dist", "/app/")
	out["/"] = out["/app/index.html"]
	delete(out, "/app/index.html")
	return out
})

// appPages and appRoutes (each followed by one path segment) are the app's
// own URLs: the server answers each with the page and the app shows what the
// path names, so every page can be reloaded or bookmarked. /credentials is
// also where an OAuth2 connect started there comes back to.
var (
	appPages  = []string{"/", "/graphs", "/credentials"}
	appRoutes = []string{"/graphs/", "/runs/", "/shared/"}
)

func isAppRoute(p string) bool {
	if slices.Contains(appPages, p) {
		return true
	}
	for _, prefix := range appRoutes {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			return true
		}
	}
	return false
}

// pagesHandler is the mux's catch-all: the app at / and its routes, its
// bundle under /app/, GraphiQL at /graphiql; every other path is a 404.
func pagesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if serveGraphiQL(w, r) {
			return
		}
		assets := webappAssets()
		if isAppRoute(r.URL.Path) {
			serveAsset(w, r, assets["/"], webappCSP)
			return
		}
		if a := assets[r.URL.Path]; a != nil && r.URL.Path != "/" {
			serveAsset(w, r, a, "")
			return
		}
		http.NotFound(w, r)
	})
}
