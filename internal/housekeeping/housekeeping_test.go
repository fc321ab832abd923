package housekeeping_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/housekeeping"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixed is the metrics a test sets: the sample's input, not a stand-in for
// Postgres (the store is real).
type fixed struct{ m sysmetrics.Metrics }

func (f *fixed) Sample(context.Context) (sysmetrics.Metrics, error) { return f.m, nil }

// clock advances by step each time it is read.
type clock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// logLines stores a run with n log lines logged age ago and one logged now.
func logLines(t *testing.T, pool *pgxpool.Pool, n int, age time.Duration) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
WITH u AS (INSERT INTO users (email) VALUES ('keeper@example.com') RETURNING id),
     g AS (INSERT INTO graphs (id, version, user_id, name) SELECT gen_random_uuid(), 1, id, 'g' FROM u RETURNING id, user_id),
     e AS (INSERT INTO graph_executions (graph_id, graph_version, user_id) SELECT id, 1, user_id FROM g RETURNING id, user_id)
INSERT INTO execution_logs (execution_id, user_id, level, message, logged_at)
SELECT e.id, e.user_id, 'INFO'::log_level, 'old ' || i, now() - make_interval(secs => $2) - make_interval(secs => i) FROM e, generate_series(1, $1) i
UNION ALL SELECT e.id, e.user_id, 'INFO'::log_level, 'new', now() FROM e`, n, age.Seconds())
	require.NoError(t, err)
}

func count(t *testing.T, pool *pgxpool.Pool, query string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), query).Scan(&n))
	return n
}

// A round stores a sample, deletes samples past METRICS_RETENTION and log
// lines past LOG_RETENTION; a backlog of old lines is deleted a batch at a
// time and, past half an interval, left for the next rounds. One process
// at a time does it.
func TestRoundSamplesAndAppliesRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := testenv.NewDatabase(t, 4)
	store := db.New(pool)
	logLines(t, pool, 7, 48*time.Hour)
	stale := time.Now().Add(-2 * time.Hour).UTC()
	require.NoError(t, store.SystemMetricsSampleInsert(ctx, db.MetricsSample{At: stale, CPUUsage: 1}))

	now := time.Now().UTC()
	metrics := &fixed{m: sysmetrics.Metrics{Timestamp: now, CPUUsage: 42, MemoryUsage: 50, DiskUsage: 60,
		ActiveExecutions: 3, QueueSize: 4, ErrorRate: 5, OldestQueuedSeconds: 6}}
	// Each read of the clock is a minute later: a round's first batch
	// already overruns half its interval.
	slow := &clock{now: time.Now(), step: time.Minute}
	opts := housekeeping.Options{Interval: time.Minute, MetricsRetention: time.Hour, LogRetention: 24 * time.Hour, LogBatch: 2}
	o := opts
	o.Now = slow.Now
	k := housekeeping.New(store, metrics, quiet, o)
	other := housekeeping.New(store, metrics, quiet, opts)

	require.True(t, k.Round(ctx))
	steps, err := store.SystemMetricsHistory(ctx, now.Add(-3*time.Hour), now.Add(time.Minute), time.Hour)
	require.NoError(t, err)
	require.Len(t, steps, 1, "the stale sample is gone")
	require.Equal(t, 1, steps[0].Samples)
	require.Equal(t, 42.0, steps[0].CPUUsage)
	require.Equal(t, 4, steps[0].MaxQueueSize)
	require.Equal(t, 6.0, steps[0].OldestQueuedSeconds)
	require.Equal(t, 6, count(t, pool, `SELECT count(*) FROM execution_logs`), "one batch, then the round's time was up")

	require.False(t, other.Round(ctx), "k holds the lease")
	require.Equal(t, 6, count(t, pool, `SELECT count(*) FROM execution_logs`))

	k.Stop() // never started: nothing to stop, and the lease stays k's
	slow.step = 0
	require.True(t, k.Round(ctx))
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM execution_logs`), "a round deletes the backlog while it has time")
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM execution_logs WHERE message = 'new'`))
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM system_metrics_samples`), "one sample per instant")
}

// A started keeper stores a sample every interval.
func TestStartedKeeperSamplesEveryInterval(t *testing.T) {
	t.Parallel()
	pool, _ := testenv.NewDatabase(t, 4)
	store := db.New(pool)
	rounds := make(chan struct{}, 10)
	k := housekeeping.New(store, &sysmetrics.Sampler{Store: store}, quiet, housekeeping.Options{Interval: 50 * time.Millisecond,
		AfterRound: func() { rounds <- struct{}{} }})
	k.Start(context.Background())
	t.Cleanup(k.Stop)
	for range 3 {
		select {
		case <-rounds:
		case <-time.After(30 * time.Second):
			t.Fatal("no round")
		}
	}
	k.Stop()
	require.GreaterOrEqual(t, count(t, pool, `SELECT count(*) FROM system_metrics_samples`), 3)
}
