package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/ratelimit"
	"github.com/agentgraph/agentgraph/internal/testenv"
	"github.com/agentgraph/agentgraph/resolvers"
)

// testClock is the limiters' injected clock: refills happen when the test
// says, never by waiting.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// instance is one API process: its own handler and limiter, sharing Redis.
func instance(rdb redis.Scripter, prefix string, clk *testClock, rps float64, burst int) http.Handler {
	return NewHandler(Options{
		Resolver: &resolvers.Resolver{Store: db.New(nil)},
		Auth:     &auth.Authenticator{},
		Logger:   slog.New(slog.DiscardHandler),
		Ready:    func(context.Context) error { return nil },
		RateLimiter: ratelimit.New(rdb, prefix, ratelimit.Options{RPS: rps, Burst: burst, Clock: clk.Now,
			Timeout: 5 * time.Second}),
	})
}

func postFrom(t *testing.T, h http.Handler, remoteAddr string) (*httptest.ResponseRecorder, []gqlError) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remoteAddr
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp struct{ Errors []gqlError }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), rec.Body.String())
	return rec, resp.Errors
}

func requireRateLimited(t *testing.T, errs []gqlError, retryAfter int) {
	t.Helper()
	require.Len(t, errs, 1)
	require.Equal(t, CodeRateLimited, errs[0].Extensions["code"])
	require.EqualValues(t, retryAfter, errs[0].Extensions["retryAfter"])
	require.Contains(t, errs[0].Message, "rate limit exceeded")
}

// Two API instances draw from one bucket per client; past it, HTTP answers
// 429 with Retry-After and RATE_LIMITED with extensions.retryAfter.
func TestRateLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	clk := &testClock{now: time.Unix(1_900_000_000, 0)}
	a, b := instance(rdb, prefix, clk, 0.5, 3), instance(rdb, prefix, clk, 0.5, 3)
	const client = "198.51.100.7:40000"

	for _, h := range []http.Handler{a, b, a} {
		rec, errs := postFrom(t, h, client)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, errs)
	}
	for _, h := range []http.Handler{b, a} {
		rec, errs := postFrom(t, h, client)
		require.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
		require.Equal(t, "2", rec.Header().Get("Retry-After"), "one token per 2s")
		require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
		requireRateLimited(t, errs, 2)
	}
	// Another address has its own bucket; the same address on another port
	// does not.
	rec, _ := postFrom(t, b, "198.51.100.8:40000")
	require.Equal(t, http.StatusOK, rec.Code)
	rec, _ = postFrom(t, b, "198.51.100.7:40001")
	require.Equal(t, http.StatusTooManyRequests, rec.Code)

	// Refill: one token after 2s, then empty again.
	clk.Advance(2 * time.Second)
	rec, _ = postFrom(t, b, client)
	require.Equal(t, http.StatusOK, rec.Code)
	rec, _ = postFrom(t, a, client)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
}

// Websocket subscribe messages draw from the same bucket as the client's
// HTTP requests; a refused one gets an "error" message and the connection
// stays up.
func TestRateLimitWebsocketSubscribes(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	clk := &testClock{now: time.Unix(1_900_000_000, 0)}
	h := instance(rdb, prefix, clk, 1, 2)
	ws := dialWS(t, h) // the upgrade itself takes no token

	rec, _ := postFrom(t, h, "127.0.0.1:1") // the websocket's client address
	require.Equal(t, http.StatusOK, rec.Code)
	ws.subscribe("1", "{ __typename }")
	require.Equal(t, "next", ws.read().Type)
	require.Equal(t, "complete", ws.read().Type)

	ws.subscribe("2", "{ __typename }")
	m := ws.read()
	require.Equal(t, "error", m.Type, string(m.Payload))
	require.Equal(t, "2", m.ID)
	requireRateLimited(t, gqlErrors(t, m), 1)

	clk.Advance(time.Second)
	ws.subscribe("3", "{ __typename }")
	m = ws.read()
	require.Equal(t, "next", m.Type, string(m.Payload))
	require.Equal(t, "3", m.ID)
}

// An authenticated caller's bucket is the user's, whatever the address; an
// anonymous one's (or a bad token's) is the address's.
func TestRateLimitKeys(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	clk := &testClock{now: time.Unix(1_900_000_000, 0)}
	l := ratelimit.New(rdb, prefix, ratelimit.Options{RPS: 1, Burst: 1, Clock: clk.Now, Timeout: 5 * time.Second})
	alice, bob := &model.User{ID: uuid.New()}, &model.User{ID: uuid.New()}
	var as *model.User
	var tokenErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if as != nil || tokenErr != nil {
			ctx = auth.WithUser(ctx, as, tokenErr)
		}
		rateLimit(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
		})).ServeHTTP(w, r.WithContext(ctx))
	})
	status := func(user *model.User, err error, remoteAddr string) int {
		as, tokenErr = user, err
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.RemoteAddr = remoteAddr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, status(alice, nil, "192.0.2.1:1"))
	require.Equal(t, http.StatusTooManyRequests, status(alice, nil, "192.0.2.2:1"), "alice's bucket, from anywhere")
	require.Equal(t, http.StatusOK, status(bob, nil, "192.0.2.1:1"))
	require.Equal(t, http.StatusOK, status(nil, nil, "192.0.2.1:1"), "anonymous: the address's bucket")
	require.Equal(t, http.StatusTooManyRequests, status(nil, errors.New("bad token"), "192.0.2.1:1"))
	require.Equal(t, http.StatusOK, status(nil, errors.New("bad token"), "[2001:db8::1]:443"))
}

// A Redis that cannot answer lets requests through rather than refusing all.
func TestRateLimitFailsOpen(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	h := instance(dead, "x:", &testClock{now: time.Now()}, 1, 1)
	for range 3 {
		rec, errs := postFrom(t, h, "192.0.2.1:1")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, errs)
	}
}
