package triggerbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/schedule"
)

// ScheduleConfig says how many schedules to fire, for how long.
type ScheduleConfig struct {
	Env
	Schedules int           // active schedules (default 10,000)
	Duration  time.Duration // the firing window (default 2 minutes)
	// Spread gives schedule i the cron "s * * * * *" with s = i mod 60:
	// still once a minute each, spread over the minute's seconds. Off: all
	// are "* * * * *" and fire at the same second.
	Spread  bool
	Workers int           // engine workers of each worker process (default 64)
	Idle    time.Duration // the idle-CPU window (default 30s; <0 skips it)
}

// ScheduleResult is what the schedule bench measured and checked.
type ScheduleResult struct {
	Config            ScheduleConfig
	SynchronousCommit string
	Cron              string
	Start, End        time.Time // the firing window [Start, End), database clock
	Expected          int64     // occurrences due in the window
	Fired             int64     // occurrences recorded in the window (each with its run)
	Missing           int64     // expected, not recorded
	Unexpected        int64     // recorded, not an occurrence of the cron (must be 0)
	Failed            int64     // recorded as failed (no run)
	Duplicates        int64     // runs beyond one per occurrence (the unique key forbids them)
	// Lateness: when the run became claimable − occurrence time, that is
	// max(stored, not-before) − occurrence, "stored" being the run's
	// created_at (the clock at its insert, one statement before the firing
	// transaction's commit). A run fired ahead is claimable at its
	// occurrence: lateness 0 if it was stored in time.
	Lateness livebench.Dist
	// StartLateness: the run's started_at (claimed by a worker) −
	// occurrence time. It adds the engines' capacity (2 × Workers runs at a
	// time for all the runs due together), so it is shown, not judged.
	StartLateness livebench.Dist
	// CPU (cores) while the window ran: the two workers together (firing
	// and running the runs), and the whole machine (Postgres included).
	WorkersCPU, MachineCPU float64
	Completed              int64 // runs of the window completed by the end of the drain
	DrainTime              time.Duration
	// Idle: each scheduler process's CPU (cores) with every schedule
	// yearly (none due) over Config.Idle.
	IdleCPU []float64
}

// OK: every occurrence fired exactly once, with its run.
func (r *ScheduleResult) OK() bool {
	return r.Expected > 0 && r.Fired == r.Expected && r.Missing == 0 && r.Unexpected == 0 && r.Failed == 0 && r.Duplicates == 0
}

// RunSchedules launches two `agentgraph worker` processes (engine and
// scheduler each) on a fresh database, stores Schedules every-minute
// schedules of a two-node graph, lets them fire for Duration, and checks in
// Postgres that every occurrence of the window fired exactly once and how
// late its run was stored; then, with the schedules made yearly, measures
// each process's CPU while nothing is due.
func RunSchedules(ctx context.Context, cfg ScheduleConfig) (res *ScheduleResult, err error) {
	if cfg.Schedules <= 0 {
		cfg.Schedules = 10000
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 2 * time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Idle == 0 {
		cfg.Idle = 30 * time.Second
	}
	res = &ScheduleResult{Config: cfg}
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.DatabaseURL, "schedules", 4)
	if err != nil {
		return nil, err
	}
	defer func() {
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&res.SynchronousCommit); err != nil {
		return nil, err
	}
	fx, err := newFixture(ctx, pool, "bench-schedules", []model.NodeSpec{
		{Key: "in", BlockID: "AgentInputBlock", InputDefault: map[string]any{"name": "x"}},
		{Key: "out", BlockID: "AgentOutputBlock", InputDefault: map[string]any{"name": "y"}},
	}, []model.LinkSpec{{SourceKey: "in", SourceName: "result", SinkKey: "out", SinkName: "value"}})
	if err != nil {
		return nil, err
	}

	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": cfg.RedisURL,
		"REDIS_PREFIX": "agbench:" + livebench.RandomHex(6) + ":", "WORKERS": strconv.Itoa(cfg.Workers)}
	var procs []*livebench.Process
	defer func() {
		for _, p := range procs {
			p.Stop()
		}
	}()
	for range 2 {
		p, err := livebench.LaunchWorker(ctx, cfg.Binary, env, cfg.Logger)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		cfg.Logger.Info("worker up", "pid", p.Pid())
	}

	// The window starts a few seconds ahead, on a whole second, so that
	// storing the schedules is not counted as lateness.
	var now time.Time
	if err := pool.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
		return nil, err
	}
	res.Start = now.Add(5 * time.Second).Truncate(time.Second)
	res.End = res.Start.Add(cfg.Duration)
	crons, err := storeSchedules(ctx, pool, fx, cfg, res)
	if err != nil {
		return res, err
	}
	cfg.Logger.Info("schedules stored", "n", cfg.Schedules, "cron", res.Cron, "window", cfg.Duration)

	// Wait for the window to pass and its last occurrences to be fired
	// (a missing one is given 30 s before it counts as missing).
	if err := waitUntil(ctx, res.Start); err != nil {
		return res, err
	}
	cpu0, all0 := workersCPU(procs), livebench.MachineCPU()
	if err := waitUntil(ctx, res.End); err != nil {
		return res, err
	}
	res.WorkersCPU = (workersCPU(procs) - cpu0).Seconds() / cfg.Duration.Seconds()
	res.MachineCPU = (livebench.MachineCPU() - all0).Seconds() / cfg.Duration.Seconds()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM schedule_occurrences WHERE occurrence_at >= $1 AND occurrence_at < $2`,
			res.Start, res.End).Scan(&n); err != nil {
			return res, err
		}
		if n >= res.Expected {
			break
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return res, err
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE schedules SET is_active = false`); err != nil {
		return res, err
	}
	for _, p := range procs {
		if err := p.Alive(); err != nil {
			return res, err
		}
	}
	if err := verifyOccurrences(ctx, pool, crons, res); err != nil {
		return res, err
	}
	cfg.Logger.Info("fired; waiting for the runs to end", "fired", res.Fired)
	if err := drain(ctx, pool, time.Minute, &res.DrainTime); err != nil {
		return res, err
	}
	// The window's runs only: the schedulers fire ahead, so the runs of the
	// occurrences just after the window were stored too (and ran).
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM graph_executions e JOIN schedule_occurrences o ON o.execution_id = e.id
		WHERE o.occurrence_at >= $1 AND o.occurrence_at < $2 AND e.status = 'COMPLETED'`, res.Start, res.End).Scan(&res.Completed); err != nil {
		return res, err
	}
	if cfg.Idle > 0 {
		if err := idleCPU(ctx, pool, procs, cfg, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// storeSchedules inserts the schedules in one statement, their first
// occurrence at or after the window's start, and returns each one's cron.
func storeSchedules(ctx context.Context, pool *pgxpool.Pool, fx *fixture, cfg ScheduleConfig, res *ScheduleResult) (map[uuid.UUID]*schedule.Cron, error) {
	ids := make([]uuid.UUID, cfg.Schedules)
	exprs := make([]string, cfg.Schedules)
	next := make([]time.Time, cfg.Schedules)
	crons := make(map[uuid.UUID]*schedule.Cron, cfg.Schedules)
	parsed := map[string]*schedule.Cron{}
	for i := range ids {
		expr := "* * * * *"
		if cfg.Spread {
			expr = strconv.Itoa(i%60) + " * * * * *"
		}
		c := parsed[expr]
		if c == nil {
			var err error
			if c, err = schedule.ParseCron(expr, "UTC"); err != nil {
				return nil, err
			}
			parsed[expr] = c
		}
		ids[i], exprs[i], next[i] = uuid.New(), expr, c.Next(res.Start.Add(-time.Nanosecond))
		crons[ids[i]] = c
		for t := next[i]; t.Before(res.End); t = c.Next(t) {
			res.Expected++
		}
	}
	res.Cron = "* * * * *"
	if cfg.Spread {
		res.Cron = "s * * * * * (s = i mod 60)"
	}
	_, err := pool.Exec(ctx, `INSERT INTO schedules (id, user_id, graph_id, graph_version, name, cron, timezone, inputs, next_run_at)
		SELECT u.id, $1, $2, $3, 'bench', u.cron, 'UTC', '{"x": 1}', u.next
		FROM unnest($4::uuid[], $5::text[], $6::timestamptz[]) AS u(id, cron, next)`,
		fx.userID, fx.graph.ID, fx.version, ids, exprs, next)
	if err != nil {
		return nil, fmt.Errorf("store schedules: %w", err)
	}
	// As the API's writes do: every scheduler looks at the earliest due time again.
	_, err = pool.Exec(ctx, "SELECT pg_notify($1, '')", db.ChannelScheduleChanged)
	return crons, err
}

// verifyOccurrences compares what was recorded in the window with each
// schedule's cron, and reads each run's lateness.
func verifyOccurrences(ctx context.Context, pool *pgxpool.Pool, crons map[uuid.UUID]*schedule.Cron, res *ScheduleResult) error {
	rows, err := pool.Query(ctx, `SELECT o.schedule_id, o.occurrence_at, o.error IS NOT NULL,
			greatest(e.created_at, e.not_before), e.started_at
		FROM schedule_occurrences o LEFT JOIN graph_executions e ON e.id = o.execution_id
		WHERE o.occurrence_at >= $1 AND o.occurrence_at < $2`, res.Start, res.End)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[uuid.UUID]map[time.Time]bool{}
	var late, startLate []time.Duration
	for rows.Next() {
		var sid uuid.UUID
		var at time.Time
		var failed bool
		var claimable, started *time.Time
		if err := rows.Scan(&sid, &at, &failed, &claimable, &started); err != nil {
			return err
		}
		res.Fired++
		if got[sid] == nil {
			got[sid] = map[time.Time]bool{}
		}
		got[sid][at.UTC()] = true
		if failed || claimable == nil {
			res.Failed++
			continue
		}
		late = append(late, max(claimable.Sub(at), 0))
		if started != nil {
			startLate = append(startLate, started.Sub(at))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	res.Lateness = livebench.Percentiles(late)
	res.StartLateness = livebench.Percentiles(startLate)
	for sid, c := range crons {
		want := map[time.Time]bool{}
		for t := c.Next(res.Start.Add(-time.Nanosecond)); t.Before(res.End); t = c.Next(t) {
			want[t.UTC()] = true
			if !got[sid][t.UTC()] {
				res.Missing++
			}
		}
		for t := range got[sid] {
			if !want[t] {
				res.Unexpected++
			}
		}
	}
	// Runs a schedule started beyond its recorded occurrences.
	return pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graph_executions WHERE trigger_kind = 'SCHEDULE')
		- (SELECT count(*) FROM schedule_occurrences WHERE execution_id IS NOT NULL)`).Scan(&res.Duplicates)
}

// idleCPU makes every schedule yearly (active, none due for months) and
// reads each worker's CPU time over cfg.Idle.
func idleCPU(ctx context.Context, pool *pgxpool.Pool, procs []*livebench.Process, cfg ScheduleConfig, res *ScheduleResult) error {
	c, err := schedule.ParseCron("0 0 1 1 *", "UTC")
	if err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `UPDATE schedules SET cron = '0 0 1 1 *', is_active = true, next_run_at = $1`, c.Next(time.Now())); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "SELECT pg_notify($1, '')", db.ChannelScheduleChanged); err != nil {
		return err
	}
	cfg.Logger.Info("idle: every schedule yearly; reading the workers' CPU", "window", cfg.Idle)
	// Let the workers settle after the wake-up the change caused.
	if err := sleep(ctx, 2*time.Second); err != nil {
		return err
	}
	before := make([]time.Duration, len(procs))
	for i, p := range procs {
		if before[i], err = p.CPU(); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := sleep(ctx, cfg.Idle); err != nil {
		return err
	}
	el := time.Since(t0)
	for i, p := range procs {
		after, err := p.CPU()
		if err != nil {
			return errors.Join(err, p.Alive())
		}
		res.IdleCPU = append(res.IdleCPU, (after-before[i]).Seconds()/el.Seconds())
	}
	return nil
}

// workersCPU is the CPU time the processes have used so far.
func workersCPU(procs []*livebench.Process) time.Duration {
	var sum time.Duration
	for _, p := range procs {
		d, _ := p.CPU()
		sum += d
	}
	return sum
}

func waitUntil(ctx context.Context, t time.Time) error { return sleep(ctx, time.Until(t)) }

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
