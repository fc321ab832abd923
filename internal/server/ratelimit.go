package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/ratelimit"
)

// rateLimit takes one token per GraphQL request over HTTP from the caller's
// bucket (rateKey) and answers 429 with Retry-After and a RATE_LIMITED error
// when it is empty. Websocket upgrades pass: each of their subscribe
// messages is counted instead (wsRateLimit), and the client address is
// remembered for it. It sits after authentication, so a user's requests
// share one bucket from any address, across API instances.
func rateLimit(l *ratelimit.Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(withClientAddr(r.Context(), r.RemoteAddr))
		if l == nil || r.Header.Get("Upgrade") != "" || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		d := l.Allow(r.Context(), rateKey(r.Context()))
		if d.Allowed {
			next.ServeHTTP(w, r)
			return
		}
		secs := d.RetryAfterSeconds()
		body, _ := json.Marshal(map[string]any{"errors": gqlerror.List{rateLimited(secs)}})
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(body)
	})
}

// wsRateLimit is the websocket transport's BeforeOperation: every subscribe
// draws from the same bucket as the caller's HTTP requests.
func wsRateLimit(l *ratelimit.Limiter) func(context.Context) *gqlerror.Error {
	return func(ctx context.Context) *gqlerror.Error {
		if d := l.Allow(ctx, rateKey(ctx)); !d.Allowed {
			return rateLimited(d.RetryAfterSeconds())
		}
		return nil
	}
}

func rateLimited(retryAfter int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "rate limit exceeded: retry in " + strconv.Itoa(retryAfter) + "s",
		Extensions: map[string]any{"code": CodeRateLimited, "retryAfter": retryAfter},
	}
}

// rateKey is the bucket of a request: its user's when it carries a valid
// token, else its client address's. The address is the TCP peer's: behind
// a proxy, anonymous requests share the proxy's bucket (forwarded headers
// are not trusted, since any client can set them).
func rateKey(ctx context.Context) string {
	if u, err := auth.User(ctx); err == nil {
		return "user:" + u.ID.String()
	}
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	return "ip:" + addr
}

type clientAddrKey struct{}

// withClientAddr remembers the peer's IP (without its port) for rateKey,
// including on websocket connections, whose context outlives the request.
func withClientAddr(ctx context.Context, remoteAddr string) context.Context {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return context.WithValue(ctx, clientAddrKey{}, host)
}
