// Package housekeeping keeps the history operators read and bounds what
// grows without end: every METRICS_INTERVAL, in one process at a time (the
// `housekeeping` lease, internal/leased), it stores a SystemMetrics sample
// for systemMetricsHistory, deletes samples older than METRICS_RETENTION,
// and deletes run log lines older than LOG_RETENTION in short batches.
package housekeeping

import (
	"context"
	"log/slog"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/leased"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
)

// LeaseName is the lease row the housekeeper holds.
const LeaseName = "housekeeping"

// Options tune a Keeper; zero values take the defaults.
type Options struct {
	// Interval is how often a sample is stored and old rows deleted
	// (METRICS_INTERVAL, default 15 s).
	Interval time.Duration
	// MetricsRetention is how long samples are kept (METRICS_RETENTION,
	// default 7 days).
	MetricsRetention time.Duration
	// LogRetention is how long run log lines are kept (LOG_RETENTION,
	// default 30 days).
	LogRetention time.Duration
	// LogBatch is how many log lines one DELETE removes (default 5,000):
	// small enough that a statement holds its row locks briefly.
	LogBatch int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AfterRound, when set, is called after each round of the loop (tests
	// wait on it instead of sleeping).
	AfterRound func()
}

// Keeper is the housekeeping job. Every process may run one; one at a time
// works.
type Keeper struct {
	store   *db.Store
	metrics sysmetrics.Source
	log     *slog.Logger
	opts    Options
	job     *leased.Job
}

// New builds a keeper; nothing runs until Start.
func New(store *db.Store, metrics sysmetrics.Source, logger *slog.Logger, opts Options) *Keeper {
	if opts.Interval <= 0 {
		opts.Interval = 15 * time.Second
	}
	if opts.MetricsRetention <= 0 {
		opts.MetricsRetention = 7 * 24 * time.Hour
	}
	if opts.LogRetention <= 0 {
		opts.LogRetention = 30 * 24 * time.Hour
	}
	if opts.LogBatch <= 0 {
		opts.LogBatch = 5000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	k := &Keeper{store: store, metrics: metrics, log: logger, opts: opts}
	k.job = leased.New(store, LeaseName, logger, leased.Options{Interval: opts.Interval, AfterRound: opts.AfterRound}, k.round)
	return k
}

// Start runs the keeper until Stop.
func (k *Keeper) Start(ctx context.Context) { k.job.Start(ctx) }

// Stop stops the keeper and gives its lease up. Idempotent.
func (k *Keeper) Stop() { k.job.Stop() }

// Round is one round when this process holds (or takes) the lease; it
// reports whether it did.
func (k *Keeper) Round(ctx context.Context) bool { return k.job.Tick(ctx) }

// round samples first, so samples stay Interval apart whatever the deletes
// cost, then deletes. Errors are logged: a round never stops the loop.
func (k *Keeper) round(ctx context.Context) {
	start := k.opts.Now()
	if err := k.sample(ctx); err != nil && ctx.Err() == nil {
		k.log.Warn("housekeeping: storing a metrics sample", "err", err)
	}
	if _, err := k.store.SystemMetricsSamplesDelete(ctx, start.Add(-k.opts.MetricsRetention)); err != nil && ctx.Err() == nil {
		k.log.Warn("housekeeping: deleting old metrics samples", "err", err)
	}
	n, err := k.deleteLogs(ctx, start.Add(-k.opts.LogRetention), start.Add(k.opts.Interval/2))
	if err != nil && ctx.Err() == nil {
		k.log.Warn("housekeeping: deleting old run logs", "err", err, "deleted", n)
	} else if n > 0 {
		k.log.Info("housekeeping: deleted old run logs", "lines", n, "before", start.Add(-k.opts.LogRetention))
	}
}

func (k *Keeper) sample(ctx context.Context) error {
	m, err := k.metrics.Sample(ctx)
	if err != nil {
		return err
	}
	return k.store.SystemMetricsSampleInsert(ctx, db.MetricsSample{At: m.Timestamp, CPUUsage: m.CPUUsage,
		MemoryUsage: m.MemoryUsage, DiskUsage: m.DiskUsage, ActiveExecutions: m.ActiveExecutions, QueueSize: m.QueueSize,
		ErrorRate: m.ErrorRate, OldestQueuedSeconds: m.OldestQueuedSeconds})
}

// deleteLogs deletes lines logged before before, a batch per statement,
// until none is left or until the deadline: a backlog (retention turned on
// over a large table) is worked off over several rounds instead of keeping
// one round, and the lease, busy past its TTL.
func (k *Keeper) deleteLogs(ctx context.Context, before, deadline time.Time) (int64, error) {
	var total int64
	for ctx.Err() == nil {
		n, err := k.store.ExecutionLogsDelete(ctx, before, k.opts.LogBatch)
		total += n
		if err != nil || n < int64(k.opts.LogBatch) || !k.opts.Now().Before(deadline) {
			return total, err
		}
	}
	return total, ctx.Err()
}
