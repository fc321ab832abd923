// Package leased runs a periodic background job in exactly one process at
// a time: every process of a deployment may run the same Job, and a named
// row of the `leases` table says which one works. The alert evaluator and
// the housekeeper (metrics history, retention) are such jobs.
//
// A lease row rather than pg_try_advisory_lock: an advisory lock belongs to
// one session, so it would pin a pool connection for the process's life and
// vanish silently with a reconnect, and no one can see who holds it; the
// row is visible (`SELECT * FROM leases`), survives connection churn, and
// expires by itself when its holder dies.
package leased

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
)

// acquireTimeout bounds one attempt at the lease.
const acquireTimeout = 10 * time.Second

// Options tune a Job; zero values take the defaults.
type Options struct {
	// Interval is how often a round runs (required).
	Interval time.Duration
	// TTL is how long the lease outlives its holder's last round (default
	// three intervals, at least 5 s): another process takes over that long
	// after the holder dies.
	TTL time.Duration
	// AfterRound, when set, is called after each round of the loop, held
	// or not (tests wait on it instead of sleeping).
	AfterRound func()
}

// Job calls its round every Interval while this process holds the named
// lease. Its lifecycle is Start, then an idempotent Stop.
type Job struct {
	store  *db.Store
	name   string
	round  func(ctx context.Context)
	log    *slog.Logger
	opts   Options
	holder string

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New builds a job holding the lease called name; nothing runs until Start.
func New(store *db.Store, name string, logger *slog.Logger, opts Options, round func(ctx context.Context)) *Job {
	if opts.TTL <= 0 {
		opts.TTL = max(3*opts.Interval, 5*time.Second)
	}
	host, _ := os.Hostname()
	return &Job{store: store, name: name, round: round, log: logger, opts: opts,
		holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8])}
}

// Start runs the loop until Stop: a round at once, then one every Interval.
func (j *Job) Start(ctx context.Context) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cancel != nil {
		return
	}
	ctx, j.cancel = context.WithCancel(context.WithoutCancel(ctx))
	j.done = make(chan struct{})
	go func() { defer close(j.done); j.loop(ctx) }()
}

// Stop stops the loop, waits for a round in flight and gives the lease up
// so another process takes over at once. Idempotent.
func (j *Job) Stop() {
	j.mu.Lock()
	cancel, done := j.cancel, j.done
	j.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	ctx, c := context.WithTimeout(context.Background(), 5*time.Second)
	defer c()
	if err := j.store.LeaseRelease(ctx, j.name, j.holder); err != nil {
		j.log.Warn("giving the lease up", "lease", j.name, "err", err)
	}
}

func (j *Job) loop(ctx context.Context) {
	t := time.NewTicker(j.opts.Interval)
	defer t.Stop()
	for {
		j.Tick(ctx)
		if j.opts.AfterRound != nil {
			j.opts.AfterRound()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick takes (or renews) the lease and, when this process holds it, runs
// one round; it reports whether it did. Errors are logged: a failed
// attempt at the lease never stops the loop.
func (j *Job) Tick(ctx context.Context) bool {
	// Not ctx itself: a Stop meanwhile would abandon the statement on this
	// side while it may still commit on the server's — after Stop's release,
	// leaving the lease held by nobody until it expires (a test waiting 30 s
	// for a 45 s lease saw it). Stop waits for this round instead.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), acquireTimeout)
	held, err := j.store.LeaseAcquire(actx, j.name, j.holder, j.opts.TTL)
	cancel()
	if err != nil || !held {
		if err != nil && ctx.Err() == nil {
			j.log.Warn("taking the lease", "lease", j.name, "err", err)
		}
		return false
	}
	j.round(ctx)
	return true
}
