package ratelimit_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/ratelimit"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// clock is a settable time source shared by the limiters of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Two limiters over one Redis are two API instances: they drain, and
// wait on, the same bucket.
func TestInstancesShareOneBucket(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	clk := newClock()
	opts := ratelimit.Options{RPS: 2, Burst: 3, Clock: clk.Now, Timeout: 5 * time.Second}
	a, b := ratelimit.New(rdb, prefix, opts), ratelimit.New(rdb, prefix, opts)
	ctx := context.Background()

	require.True(t, a.Allow(ctx, "user:u1").Allowed)
	require.True(t, b.Allow(ctx, "user:u1").Allowed)
	require.True(t, a.Allow(ctx, "user:u1").Allowed)
	for _, l := range []*ratelimit.Limiter{a, b} {
		d := l.Allow(ctx, "user:u1")
		require.False(t, d.Allowed)
		require.Equal(t, 500*time.Millisecond, d.RetryAfter, "one token every 1/RPS s")
		require.Equal(t, 1, d.RetryAfterSeconds(), "whole seconds, rounded up")
	}
	// Another key has its own full bucket.
	require.True(t, b.Allow(ctx, "ip:192.0.2.1").Allowed)
}

func TestBucketRefills(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	clk := newClock()
	l := ratelimit.New(rdb, prefix, ratelimit.Options{RPS: 2, Burst: 2, Clock: clk.Now, Timeout: 5 * time.Second})
	ctx := context.Background()
	take := func() ratelimit.Decision { return l.Allow(ctx, "user:u1") }

	require.True(t, take().Allowed)
	require.True(t, take().Allowed)
	require.False(t, take().Allowed)

	clk.Advance(499 * time.Millisecond)
	d := take()
	require.False(t, d.Allowed)
	require.Equal(t, time.Millisecond, d.RetryAfter)
	clk.Advance(time.Millisecond)
	require.True(t, take().Allowed, "a token after 1/RPS seconds")
	require.False(t, take().Allowed)

	// A long idle refills to the burst, not beyond.
	clk.Advance(time.Hour)
	require.True(t, take().Allowed)
	require.True(t, take().Allowed)
	require.False(t, take().Allowed)

	// A clock that goes backwards (another host's) refills nothing.
	clk.Advance(-time.Minute)
	require.False(t, take().Allowed)

	// An idle bucket expires once it would be full again anyway.
	ttl, err := rdb.PTTL(ctx, prefix+"ratelimit:user:u1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
	require.LessOrEqual(t, ttl, 2*time.Second, "burst/RPS = 1s, plus 1s")
}

// Without an injected clock, the bucket runs on the Redis server's clock.
func TestRedisClock(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	// One token per 100s: the bucket cannot refill during the test.
	l := ratelimit.New(rdb, prefix, ratelimit.Options{RPS: 0.01, Burst: 5, Timeout: 5 * time.Second})
	ctx := context.Background()
	for range 5 {
		require.True(t, l.Allow(ctx, "user:u1").Allowed)
	}
	d := l.Allow(ctx, "user:u1")
	require.False(t, d.Allowed)
	require.Greater(t, d.RetryAfter, 90*time.Second)
	require.LessOrEqual(t, d.RetryAfter, 100*time.Second)
	require.LessOrEqual(t, d.RetryAfterSeconds(), 100)
}

// A Redis that cannot answer lets requests through, and says so once.
func TestFailsOpen(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	l := ratelimit.New(dead, "x:", ratelimit.Options{RPS: 1, Burst: 1, Logger: logger})
	for range 3 {
		require.True(t, l.Allow(context.Background(), "user:u1").Allowed)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, strings.Count(logs.String(), "rate limiter unavailable"), logs.String())
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	l := ratelimit.New(rdb, prefix, ratelimit.Options{RPS: 0, Burst: 10})
	require.Nil(t, l)
	require.True(t, l.Allow(context.Background(), "user:u1").Allowed, "a nil limiter allows everything")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
