// Package ratelimit limits requests per user (or per client address) with a
// token bucket kept in Redis, so the limit holds across every API instance
// rather than per process.
package ratelimit

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed tokenbucket.lua
var tokenBucketLua string

var tokenBucket = redis.NewScript(tokenBucketLua)

// Options configure a Limiter.
type Options struct {
	// RPS is the sustained rate per key (tokens per second); Burst the
	// bucket's size, i.e. how many requests a key may make at once after
	// being idle.
	RPS   float64
	Burst int
	// Clock, when set, replaces the Redis server's clock (tests step it).
	// Left nil, every instance reads the one clock of Redis, so clock skew
	// between API hosts cannot refill a bucket early.
	Clock func() time.Time
	// Timeout bounds one Redis round trip (default 250ms): a slow Redis
	// delays requests by at most this before the limiter fails open.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Limiter is safe for concurrent use.
type Limiter struct {
	rdb      redis.Scripter
	prefix   string
	o        Options
	interval int64 // microseconds per token
	log      *slog.Logger

	mu         sync.Mutex
	lastWarn   time.Time // failures are logged at most once per warnEvery
	suppressed int
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the key's next token, when not allowed.
	RetryAfter time.Duration
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up: the unit of
// HTTP's Retry-After header (and so of extensions.retryAfter, to match).
func (d Decision) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(d.RetryAfter.Seconds())))
}

const warnEvery = 10 * time.Second

// New returns a Limiter drawing from buckets under prefix+"ratelimit:". It
// returns nil when o.RPS is 0 (rate limiting off); a nil Limiter allows
// everything.
func New(rdb redis.Scripter, prefix string, o Options) *Limiter {
	if o.RPS <= 0 {
		return nil
	}
	o.Burst = max(o.Burst, 1)
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := max(int64(math.Round(1e6/o.RPS)), 1)
	return &Limiter{rdb: rdb, prefix: prefix + "ratelimit:", o: o, interval: interval, log: log}
}

// Allow takes a token from key's bucket. When Redis cannot answer, it
// allows the request and logs: refusing every user because the limiter's
// store is down would turn a Redis outage into a full API outage.
func (l *Limiter) Allow(ctx context.Context, key string) Decision {
	if l == nil {
		return Decision{Allowed: true}
	}
	now := ""
	if l.o.Clock != nil {
		now = strconv.FormatInt(l.o.Clock().UnixMicro(), 10)
	}
	rctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	res, err := tokenBucket.Run(rctx, l.rdb, []string{l.prefix + key}, l.interval, l.o.Burst, now).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("token bucket script returned %d values", len(res))
	}
	if err != nil {
		if ctx.Err() == nil { // a client that went away is no Redis failure
			l.warn(err)
		}
		return Decision{Allowed: true}
	}
	if res[0] == 1 {
		return Decision{Allowed: true}
	}
	return Decision{RetryAfter: time.Duration(res[1]) * time.Microsecond}
}

// warn logs a Redis failure, at most once per warnEvery: during an outage
// every request fails the same way.
func (l *Limiter) warn(err error) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.lastWarn) < warnEvery {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.lastWarn, l.suppressed = now, 0
	l.mu.Unlock()
	l.log.Warn("rate limiter unavailable, allowing requests", "err", err, "similar_since_last", n)
}
