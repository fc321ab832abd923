package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// BenchmarkAPIScenario runs a short API scenario against a real server
// process (this repository's agentgraph, built here) on real Postgres and
// Redis, then the in-process figures: every run must be followed to
// COMPLETED without a gap and stored whole. A benchmark rather than a test
// (like livebench's BenchmarkExactlyOnce) so the normal test pass does not
// build and drive a server for the harness; run it with
// go test -run '^$' -bench APIScenario -benchtime 1x ./cmd/agentgraph-bench/
func BenchmarkAPIScenario(b *testing.B) {
	bin := testenv.BuildBinary(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base, err := config.FromEnv()
	require.NoError(b, err)
	base.DatabaseURL, base.RedisURL = testenv.BaseURL(), testenv.RedisURL()
	cfg := apiConfig{bin: bin, base: base, clients: 4, nodes: 22, rounds: 2, duration: time.Second,
		warmup: 200 * time.Millisecond, workers: 16, logger: quiet}
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		res, eng, err := runAPIRounds(ctx, cfg)
		cancel()
		require.NoError(b, err)
		require.True(b, res.ok(), "failures %v; %d runs, %d node executions stored", res.failures, res.runs, res.stored)
		require.Zero(b, res.resnaps, "no run's stream was re-read")
		require.Positive(b, eng.chain.rate())
		require.Positive(b, eng.loop.rate())
		b.ReportMetric(res.rate(), "api-node-exec/s")
		b.ReportMetric(res.rate()/eng.loop.rate(), "ratio")
	}
}
