// Package livebench measures live updates end to end: the latency from an
// engine-style commit to the websocket frame a GraphQL subscriber reads, with
// zero lost or duplicated events checked per subscription, and the server
// memory each idle subscription costs. It drives a real `agentgraph serve`
// process (launched here, or reached at a URL) through real Postgres and
// Redis; `agentgraph-bench live` is its command line.
package livebench

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"time"
)

// Config says what to measure. Zero values pick the defaults noted on each
// field (see withDefaults).
type Config struct {
	// Subscribers is the number of websocket subscriptions (one connection
	// each) in the latency phase. Default 1000.
	Subscribers int
	// Executions is how many RUNNING executions the subscribers are spread
	// over, round robin. Default 0: two latency phases, one subscriber per
	// run (Rate frames/s: each user follows their own run) and ten per run
	// (10 × Rate frames/s from the same events).
	Executions int
	// Spreads lists the latency phases by execution count; set by
	// withDefaults from Executions.
	Spreads []int
	// Rate is the events per second the producer commits and publishes,
	// spread round robin over the executions. Default 1000.
	Rate int
	// Duration is how long the producer runs. Default 10s.
	Duration time.Duration
	// Idle is the number of idle subscriptions of the memory phase; 0 skips it.
	Idle int
	// NoBaseline skips the Redis-hop baseline phase.
	NoBaseline bool
	// Producers is the number of concurrent producer loops; each owns a
	// disjoint share of the executions, so every execution's events are
	// committed and published in order. Default 4.
	Producers int

	// URL is a running server's base URL (http://127.0.0.1:8080). It must
	// use DatabaseURL and RedisPrefix. Empty: Binary is launched instead,
	// once per phase, on a fresh database that is dropped at the end.
	URL string
	// Binary is the agentgraph executable to launch with `serve --workers 0`.
	Binary string

	// DatabaseURL, RedisURL and RedisPrefix are the server's settings (with
	// URL) or the base ones a launched server derives its own from.
	DatabaseURL string
	RedisURL    string
	RedisPrefix string

	// ServerProfile, when set, is where a launched server's CPU profile over
	// each latency phase's producing window is written: "<ServerProfile>.<n>"
	// for the phase with n subscribers per run (the server gets a loopback
	// PPROF_ADDR), and its heap profile with the idle subscriptions open to
	// "<ServerProfile>.heap". Ignored with URL.
	ServerProfile string

	// Logger receives progress; nil discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Subscribers <= 0 {
		c.Subscribers = 1000
	}
	if c.Executions > 0 {
		c.Spreads = []int{min(c.Executions, c.Subscribers)}
	} else {
		c.Spreads = []int{c.Subscribers, max(1, c.Subscribers/10)}
	}
	c.Executions = slices.Max(c.Spreads) // the fixture's size
	if c.Rate <= 0 {
		c.Rate = 1000
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Producers <= 0 {
		c.Producers = 4
	}
	c.Producers = min(c.Producers, c.Executions)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.URL == "" && c.Binary == "" {
		return c, errors.New("livebench: either URL or Binary is required")
	}
	if c.DatabaseURL == "" || c.RedisURL == "" {
		return c, errors.New("livebench: DatabaseURL and RedisURL are required")
	}
	return c, nil
}
