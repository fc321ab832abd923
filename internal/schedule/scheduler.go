package schedule

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Options tune a Scheduler; zero values take the defaults.
type Options struct {
	// MaxSleep bounds the wait between two looks at the earliest due
	// schedule (default 1 s): the NOTIFY on schedule changes usually wakes
	// it first, this is the safety net.
	MaxSleep time.Duration
	// Batch is how many due schedules one transaction fires (default 500).
	Batch int
	// MisfireGrace is how late an occurrence may fire and still count as on
	// time (default 1 minute, Quartz's misfire threshold). Older ones were
	// missed (no scheduler ran): misfirePolicy decides.
	MisfireGrace time.Duration
	// Ahead is how long before its occurrence a schedule is fired (default
	// 10 s; <0: not ahead). Its run is stored QUEUED with the occurrence as
	// its not-before time, so it starts when due, not when stored: storing
	// the runs of thousands of schedules due in the same second takes
	// seconds (10,000 took 2 s on a quiet 2-core machine, 4.3 s at load
	// 14), and would otherwise make the last ones that late. A pause, an
	// update or a delete takes back what was fired and is not yet due.
	Ahead time.Duration
}

// Scheduler fires due schedules. Every process that runs the engine runs
// one; they share the work through the store (FOR UPDATE SKIP LOCKED) and
// each occurrence starts at most one run (its unique key), so any number
// of them fire every occurrence exactly once, and a crash mid-fire (its
// transaction rolled back) leaves the occurrence due for the next one.
type Scheduler struct {
	store    *db.Store
	log      *slog.Logger
	opts     Options
	onQueued func(ctx context.Context, runs []*model.GraphExecution)

	mu     sync.Mutex
	crons  map[[2]string]*Cron // parsed (cron, timezone), used by the fire loop only
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// New builds a scheduler. onQueued is told of the runs each firing stored
// (the engine publishes their QUEUED events and wakes its claimer).
func New(store *db.Store, logger *slog.Logger, onQueued func(context.Context, []*model.GraphExecution), opts Options) *Scheduler {
	if opts.MaxSleep <= 0 {
		opts.MaxSleep = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.MisfireGrace <= 0 {
		opts.MisfireGrace = time.Minute
	}
	if opts.Ahead == 0 {
		opts.Ahead = 10 * time.Second
	}
	opts.Ahead = max(opts.Ahead, 0)
	if onQueued == nil {
		onQueued = func(context.Context, []*model.GraphExecution) {}
	}
	return &Scheduler{store: store, log: logger, opts: opts, onQueued: onQueued,
		crons: map[[2]string]*Cron{}, wake: make(chan struct{}, 1)}
}

// Start runs the scheduler until Stop.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return nil
	}
	ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.loop(ctx) }()
	go func() { defer wg.Done(); s.listenLoop(ctx) }()
	go func() { wg.Wait(); close(s.done) }()
	return nil
}

// Stop stops firing and waits for a firing in flight to end (its
// transaction commits or rolls back as a whole). Idempotent.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// loop: one indexed query per wake-up when nothing is due.
func (s *Scheduler) loop(ctx context.Context) {
	for ctx.Err() == nil {
		wait := s.opts.MaxSleep
		due, now, ok, err := s.store.ScheduleNextDue(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("scheduler: reading the next due schedule", "err", err)
			}
		case ok && !due.After(now.Add(s.opts.Ahead)):
			if s.fireDue(ctx) {
				continue
			}
			// Every schedule within reach is held by another scheduler:
			// look again shortly rather than spin on it.
			wait = 50 * time.Millisecond
		case ok && due.Sub(now)-s.opts.Ahead < wait:
			wait = due.Sub(now) - s.opts.Ahead
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// fireDue fires batches (due now or within Ahead) until fewer than a batch
// were; false when it claimed none.
func (s *Scheduler) fireDue(ctx context.Context) bool {
	claimed := false
	for ctx.Err() == nil {
		runs, n, err := s.store.ScheduleFire(ctx, s.opts.Batch, s.opts.Ahead, s.decide)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("scheduler: firing due schedules", "err", err)
				select { // do not spin on a persistent error
				case <-ctx.Done():
				case <-time.After(s.opts.MaxSleep):
				}
			}
			return true
		}
		claimed = claimed || n > 0
		s.announce(ctx, runs)
		if n < s.opts.Batch {
			return claimed
		}
	}
	return claimed
}

// listenLoop wakes the loop when a schedule is created, changed or resumed
// anywhere, so a new schedule due sooner than the current wait is not late.
func (s *Scheduler) listenLoop(ctx context.Context) {
	for ctx.Err() == nil {
		l, err := s.store.Listen(ctx, db.ChannelScheduleChanged)
		if err == nil {
			s.poke()
			for err == nil {
				_, _, err = l.Wait(ctx)
				if err == nil {
					s.poke()
				}
			}
			l.Close()
		}
		if ctx.Err() == nil {
			s.log.Warn("scheduler: listening for schedule changes", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) cron(expr, tz string) (*Cron, error) {
	k := [2]string{expr, tz}
	if c, ok := s.crons[k]; ok {
		return c, nil
	}
	c, err := ParseCron(expr, tz)
	if err == nil {
		if len(s.crons) > 100_000 {
			clear(s.crons)
		}
		s.crons[k] = c
	}
	return c, err
}

// decide picks what a due schedule fires: the latest occurrence due (one
// run for all those missed, RUN_ONCE), or with SKIP that occurrence only
// when it is within MisfireGrace of now; and the next occurrence after now.
// An owner who is deactivated, or has no credits for a graph with paid
// blocks, gets the occurrence recorded as failed with the reason.
func (s *Scheduler) decide(d db.DueSchedule) db.Firing {
	c, err := s.cron(d.Cron, d.Timezone)
	if err != nil { // stored crons were parsed when stored; keep the row from spinning
		return db.Firing{OccurrenceAt: d.NextRunAt, Error: "the schedule's cron no longer parses: " + err.Error(),
			NextRunAt: d.Now.Add(24 * time.Hour)}
	}
	occ := d.NextRunAt
	for range 1_000_000 {
		nx := c.Next(occ)
		if nx.IsZero() || nx.After(d.Now) {
			break
		}
		occ = nx
	}
	next := c.Next(occ)
	for !next.IsZero() && !next.After(d.Now) {
		next = c.Next(next)
	}
	if next.IsZero() { // no occurrence within five years: park it
		next = d.Now.AddDate(5, 0, 0)
	}
	if d.NextRunAt.After(d.Now) {
		// Fired ahead: exactly this occurrence (nothing was missed), and
		// the one after it.
		occ, next = d.NextRunAt, c.Next(d.NextRunAt)
		if next.IsZero() {
			next = d.Now.AddDate(5, 0, 0)
		}
	}
	f := db.Firing{NextRunAt: next}
	if d.MisfirePolicy == model.MisfireSkip && d.Now.Sub(occ) > s.opts.MisfireGrace {
		return f
	}
	f.OccurrenceAt = occ
	switch {
	case !d.UserActive:
		f.Error = "the owner's account is deactivated"
	case d.HasCosts && d.Balance <= 0:
		f.Error = "insufficient credits: the graph has paid blocks and the balance is 0"
	}
	return f
}
