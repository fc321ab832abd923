package server

import (
	"net/http"
	"strconv"

	"github.com/agentgraph/agentgraph/internal/origin"
)

// CORS answers for the GraphQL endpoint.
const (
	corsAllowMethods = "GET, POST, OPTIONS"
	// What browsers' GraphQL clients send beyond the CORS-safelisted
	// headers: the token, the JSON content type, and the headers Apollo
	// Client adds (CSRF-prevention preflight, operation name, client
	// awareness).
	corsAllowHeaders = "Authorization, Content-Type, Accept, apollo-require-preflight, x-apollo-operation-name, " +
		"apollographql-client-name, apollographql-client-version"
	// Browsers cap it anyway (Chromium at 2h); an hour spares a preflight
	// per request without pinning a removed origin for long.
	corsMaxAge = 3600
)

// cors applies ALLOWED_ORIGINS — the list that also admits websocket
// upgrades — to plain HTTP, so a browser app on a listed origin can call
// the API with fetch. A preflight from a listed origin is answered here
// (204); any response to a listed origin names it in
// Access-Control-Allow-Origin. Other origins get no CORS headers at all, so
// browsers keep their responses from them. With an empty list (the default)
// nothing changes: same-origin pages need no CORS. "*" allows every origin,
// without Access-Control-Allow-Credentials (browsers refuse the two
// together); a listed origin may send credentials, though the API's own
// are in the Authorization header rather than cookies.
func cors(allowed []string, next http.Handler) http.Handler {
	if len(allowed) == 0 {
		return next
	}
	anyOrigin := origin.Any(allowed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if o == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		// The answer depends on Origin even when it is a refusal, so
		// shared caches must key on it.
		h.Add("Vary", "Origin")
		if !origin.Allowed(allowed, o) {
			next.ServeHTTP(w, r)
			return
		}
		if anyOrigin {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// A client told to wait (RATE_LIMITED) can read for how long.
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		next.ServeHTTP(w, r)
	})
}
