// Package origin matches a browser's Origin header against the operator's
// ALLOWED_ORIGINS list. Websocket upgrades and CORS share it, so a listed
// origin may use the API over both or neither.
package origin

import (
	"net/url"
	"strings"
)

// Allowed reports whether origin (an Origin header value) is in allowed.
// Entries are full origins ("https://app.example.com"), compared exactly
// but case-insensitively, bare hosts ("app.example.com", any scheme), or
// "*" for every origin. The opaque origin "null" (sandboxed frames, file:
// pages) and malformed values never match, not even "*": they name no site
// the operator could have meant to trust.
func Allowed(allowed []string, origin string) bool {
	host, ok := Host(origin)
	if !ok {
		return false
	}
	for _, a := range allowed {
		switch {
		case a == "*":
			return true
		case strings.Contains(a, "://"):
			if strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
				return true
			}
		case strings.EqualFold(a, host):
			return true
		}
	}
	return false
}

// Any reports whether allowed lets every origin in ("*").
func Any(allowed []string) bool {
	for _, a := range allowed {
		if a == "*" {
			return true
		}
	}
	return false
}

// Host is the host[:port] of an Origin header value; ok is false for "null"
// and anything else that is not scheme://host.
func Host(origin string) (host string, ok bool) {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", false
	}
	return u.Host, true
}
