package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/leased"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
)

// LeaseName is the lease row the evaluator holds.
const LeaseName = "alert-evaluator"

// LateRunRule is the name of the built-in rule on QUEUED runs' age.
const LateRunRule = "queued_runs_late"

// MetricsSource samples the system metrics rules are evaluated against.
type MetricsSource = sysmetrics.Source

// Options tune an Evaluator; zero values take the defaults.
type Options struct {
	// Interval is how often rules are evaluated and due notifications sent
	// (ALERT_INTERVAL, default 30 s).
	Interval time.Duration
	// LeaseTTL is how long the lease outlives its holder (default three
	// intervals, at least 5 s): another process takes over that long after
	// the holder dies.
	LeaseTTL time.Duration
	// QueueAlertAfter, when set, keeps the built-in rule queued_runs_late:
	// it fires when a run has been QUEUED longer (QUEUE_ALERT_AFTER).
	QueueAlertAfter time.Duration
	// BuiltinChannels are the built-in rule's channels (ALERT_CHANNELS).
	BuiltinChannels []string
	// Batch is how many notifications one outbox transaction claims (default 16).
	Batch int
	// FirstRetryDelay is the wait after a delivery's first failed attempt;
	// each further failure doubles it (default 1 s).
	FirstRetryDelay time.Duration
	// MaxRetryDelay caps the exponential backoff between attempts (default
	// 1 minute): a receiver that recovers, however long it was down, is
	// reached within MaxRetryDelay + Interval (the outbox is read once a
	// round).
	MaxRetryDelay time.Duration
	// GiveUpAfter is how long after its event a failing delivery is retried
	// before it is marked FAILED (default 24 hours).
	GiveUpAfter time.Duration
	// AfterRound, when set, is called after each round of the loop (tests
	// wait on it instead of sleeping).
	AfterRound func()
}

// Evaluator evaluates the rules and sends their notifications. Every
// process may run one; the `alert-evaluator` lease row (internal/leased)
// makes one of them work at a time.
type Evaluator struct {
	store    *db.Store
	metrics  MetricsSource
	notifier *Notifier
	log      *slog.Logger
	opts     Options
	job      *leased.Job
}

// New builds an evaluator; nothing runs until Start.
func New(store *db.Store, metrics MetricsSource, notifier *Notifier, logger *slog.Logger, opts Options) *Evaluator {
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.FirstRetryDelay <= 0 {
		opts.FirstRetryDelay = time.Second
	}
	if opts.MaxRetryDelay <= 0 {
		opts.MaxRetryDelay = time.Minute
	}
	if opts.GiveUpAfter <= 0 {
		opts.GiveUpAfter = 24 * time.Hour
	}
	e := &Evaluator{store: store, metrics: metrics, notifier: notifier, log: logger, opts: opts}
	e.job = leased.New(store, LeaseName, logger, leased.Options{Interval: opts.Interval, TTL: opts.LeaseTTL,
		AfterRound: opts.AfterRound}, e.round)
	return e
}

// Start runs the evaluator until Stop.
func (e *Evaluator) Start(ctx context.Context) error {
	if e.opts.QueueAlertAfter > 0 {
		if err := e.store.AlertRuleEnsure(ctx, db.AlertRule{Name: LateRunRule, Condition: "oldest_queued_seconds >",
			Threshold: e.opts.QueueAlertAfter.Seconds(), Severity: "HIGH", NotificationChannels: e.opts.BuiltinChannels}); err != nil {
			return fmt.Errorf("alerting: storing the built-in rule %s: %w", LateRunRule, err)
		}
	}
	e.job.Start(ctx)
	return nil
}

// Stop stops the evaluator, waits for a round in flight and gives the
// lease up so another process takes over at once. Idempotent.
func (e *Evaluator) Stop() { e.job.Stop() }

// Round is one evaluation and one pass over the outbox, when this process
// holds (or takes) the lease. Errors are logged: a round never stops the loop.
func (e *Evaluator) Round(ctx context.Context) { e.job.Tick(ctx) }

func (e *Evaluator) round(ctx context.Context) {
	if m, err := e.metrics.Sample(ctx); err != nil {
		if ctx.Err() == nil {
			e.log.Warn("alerting: sampling metrics", "err", err)
		}
	} else {
		now := time.Now()
		evs, err := e.store.AlertEvaluate(ctx, func(r *db.AlertRule) db.AlertDecision { return e.decide(r, m, now) })
		if err != nil && ctx.Err() == nil {
			e.log.Warn("alerting: evaluating rules", "err", err)
		}
		for _, ev := range evs {
			e.log.Info("alert", "rule", ev.RuleName, "state", ev.State, "severity", ev.Severity, "value", ev.Value, "threshold", ev.Threshold)
		}
	}
	e.deliver(ctx)
}

// decide is a rule's next state: OK while its condition does not hold;
// PENDING while it has held for less than the rule's For; FIRING after.
// Entering FIRING and leaving it (the resolve notice) are events. A stored
// condition that no longer parses keeps the rule as it is.
func (e *Evaluator) decide(r *db.AlertRule, m sysmetrics.Metrics, now time.Time) db.AlertDecision {
	metric, _, err := sysmetrics.ParseCondition(r.Condition)
	if err != nil {
		e.log.Warn("alerting: a stored condition does not parse", "rule", r.Name, "err", err)
		return db.AlertDecision{State: r.State, PendingSince: r.PendingSince}
	}
	value, _ := sysmetrics.Value(m, metric)
	if !sysmetrics.Evaluate(m, r.Condition, r.Threshold) {
		return db.AlertDecision{State: "OK", Value: value, Event: r.State == "FIRING"}
	}
	since := now
	if r.PendingSince != nil {
		since = *r.PendingSince
	}
	if now.Sub(since) >= r.For {
		return db.AlertDecision{State: "FIRING", PendingSince: &since, Value: value, Event: r.State != "FIRING"}
	}
	return db.AlertDecision{State: "PENDING", PendingSince: &since, Value: value}
}

// deliver sends due notifications, a batch per transaction, the batch's
// sends in parallel so one slow receiver does not hold the others.
func (e *Evaluator) deliver(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := e.store.AlertDeliverDue(ctx, e.opts.Batch, func(items []db.OutboxItem) []db.AlertDeliveryResult {
			res := make([]db.AlertDeliveryResult, len(items))
			var wg sync.WaitGroup
			for i, it := range items {
				wg.Add(1)
				go func() { defer wg.Done(); res[i] = e.attempt(ctx, it) }()
			}
			wg.Wait()
			return res
		})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("alerting: sending notifications", "err", err)
			}
			return
		}
		if n < e.opts.Batch {
			return
		}
	}
}

// attempt sends one notification and decides what follows a failure
// (retryAfter), or FAILED at once when retrying cannot help.
func (e *Evaluator) attempt(ctx context.Context, it db.OutboxItem) db.AlertDeliveryResult {
	err := e.notifier.Send(ctx, it)
	now := time.Now()
	if err == nil {
		return db.AlertDeliveryResult{Status: "SENT", RetryAt: now}
	}
	e.log.Warn("alerting: a notification failed", "rule", it.Event.RuleName, "channel", it.Delivery.Channel,
		"attempt", it.Delivery.Attempts+1, "err", err)
	delay, retry := e.opts.retryAfter(it.Delivery.Attempts+1, now.Sub(it.Event.At))
	if _, ok := err.(permanentError); ok || !retry {
		return db.AlertDeliveryResult{Status: "FAILED", Err: err.Error(), RetryAt: now}
	}
	return db.AlertDeliveryResult{Status: "PENDING", Err: err.Error(), RetryAt: now.Add(delay)}
}

// retryAfter is the retry schedule of a delivery whose attempts-th attempt
// just failed, age after its event: wait FirstRetryDelay, then twice as
// long after each further failure (1 s, 2 s, 4 s …), never more than
// MaxRetryDelay, and keep trying until GiveUpAfter (a day by default). So
// a receiver down for minutes or hours still gets the notification once it
// is back, within MaxRetryDelay + Interval (retry_test.go checks this over
// a five-minute outage).
func (o Options) retryAfter(attempts int, age time.Duration) (delay time.Duration, retry bool) {
	if age > o.GiveUpAfter {
		return 0, false
	}
	delay = o.FirstRetryDelay
	for i := 1; i < attempts && delay < o.MaxRetryDelay; i++ {
		delay *= 2
	}
	return min(delay, o.MaxRetryDelay), true
}
