package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Published reference figures the bench reports ratios against (this
// 2-core machine): one commit per state change, and batched inserts.
const (
	refOneCommitPerChange = 500.0
	refBatchedRowsPerSec  = 60000.0
)

// benchCmd (`agentgraph-bench engine`) measures the engine end to end on the configured database and
// Redis: node executions per second for concurrent chains and for wide
// fan-outs, single-run latency, and — in the same process, same database —
// the naive one-commit-per-change persistence it replaces.
func benchCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("engine", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scenario := fs.String("scenario", "all", "chain | fanout | latency | naive | all")
	chainRuns := fs.Int("chain-runs", 50, "concurrent runs of the chain scenario")
	chainNodes := fs.Int("chain-nodes", 40, "nodes per chain")
	fanRuns := fs.Int("fanout-runs", 10, "runs of the fan-out scenario")
	fanNodes := fs.Int("fanout-nodes", 1000, "nodes per fan-out (1 source + N-1 sinks)")
	latRuns := fs.Int("latency-runs", 20, "sequential single runs for the latency figure")
	strict := fs.Bool("strict", false, "every node waits for its inputs to be committed (no speculation)")
	writers := fs.Int("writers", 0, "group-commit writers (default 2)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole bench to this file")
	traceRatio := fs.Float64("trace-ratio", -1, "trace runs through an OTLP/HTTP exporter to a receiver in this process, "+
		"sampling this share of them (0.01: the default sampler; 1: all); negative: no tracer, as without an endpoint")
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(engine.WorkerGCPercent)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: engine [--scenario S] [--chain-runs N] [--chain-nodes N] [--fanout-runs N] [--fanout-nodes N] [--strict] [--trace-ratio R])", err)
	}
	traced, err := newBenchTrace(ctx, *traceRatio)
	if err != nil {
		return err
	}
	defer traced.close()
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := connect(ctx, quiet)
	if err != nil {
		return err
	}
	defer d.close()
	// A serving process has its connections open; a fresh one would spend
	// the first scenario dialling Postgres, which is not the engine's cost.
	if err := warmPool(ctx, d.pool); err != nil {
		return err
	}
	var sc string
	if err := d.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		return err
	}
	// Run ends are observed through the engine's OnRunEnd hook rather than a
	// Redis subscription: a hub in this process would decode every event and
	// compete with the engine for the same two cores. Events are still
	// published to Redis, as in production.
	ends := make(chan runEnd, 1<<16)
	eng := engine.New(d.store, d.reg, events.NewPublisher(d.rdb, d.cfg.RedisPrefix), logger, engine.Options{
		MaxRuns: max(*chainRuns, *fanRuns, 64), MaxNodes: 128, Strict: *strict, Writers: *writers,
		PollInterval: 100 * time.Millisecond, Tracer: traced.tracer(),
		OnRunEnd: func(id uuid.UUID, st model.Status) {
			select {
			case ends <- runEnd{id.String(), st}:
			default:
			}
		}})
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer eng.Stop()
	u, err := d.store.UserCreate(ctx, db.NewUser{Email: fmt.Sprintf("bench-%s@example.com", uuid.NewString()[:8])})
	if err != nil {
		return err
	}
	b := &bencher{d: d, eng: eng, ends: ends, user: u}
	fmt.Printf("agentgraph-bench engine — synchronous_commit=%s, strict=%v, trace-ratio=%g\n", sc, *strict, *traceRatio)
	var naive float64
	if *scenario == "naive" || *scenario == "all" {
		naive, err = b.naive(ctx, *chainRuns, *chainNodes)
		if err != nil {
			return err
		}
		fmt.Printf("naive one-commit-per-change (%d writers): %8.0f node-exec/s\n", *chainRuns, naive)
	}
	report := func(name string, n int, el time.Duration, lat []time.Duration, cpu time.Duration) {
		rate := float64(n) / el.Seconds()
		fmt.Printf("%-34s %6d node-exec in %8s: %8.0f node-exec/s  (×%.1f vs 500/s published one-commit figure", name, n,
			el.Round(time.Millisecond), rate, rate/refOneCommitPerChange)
		if naive > 0 {
			fmt.Printf(", ×%.1f vs naive measured now", rate/naive)
		}
		fmt.Printf("; %.2f of the 60,000 rows/s batched-insert ceiling)\n", rate*2/refBatchedRowsPerSec)
		if len(lat) > 0 {
			slices.Sort(lat)
			fmt.Printf("%-34s run latency p50 %s, p95 %s, max %s\n", "", lat[len(lat)/2].Round(time.Millisecond),
				lat[len(lat)*95/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
		}
		// CPU time is steadier than throughput on a busy machine: it counts
		// what this process spent, not what it waited for.
		fmt.Printf("%-34s CPU of this process: %.1f µs per node execution\n", "", float64(cpu.Microseconds())/float64(n))
	}
	if *scenario == "chain" || *scenario == "all" {
		fg, err := b.chain(ctx, *chainNodes)
		if err != nil {
			return err
		}
		cpu0 := processCPU()
		el, lat, err := b.runMany(ctx, fg, *chainRuns)
		if err != nil {
			return err
		}
		report(fmt.Sprintf("chain: %d runs × %d nodes", *chainRuns, *chainNodes), *chainRuns**chainNodes, el, lat, processCPU()-cpu0)
		traced.report(ctx, *chainRuns, *chainNodes)
	}
	if *scenario == "fanout" || *scenario == "all" {
		fg, err := b.fanout(ctx, *fanNodes)
		if err != nil {
			return err
		}
		cpu0 := processCPU()
		el, lat, err := b.runMany(ctx, fg, *fanRuns)
		if err != nil {
			return err
		}
		report(fmt.Sprintf("fan-out: %d runs × %d nodes", *fanRuns, *fanNodes), *fanRuns**fanNodes, el, lat, processCPU()-cpu0)
		traced.report(ctx, *fanRuns, *fanNodes)
	}
	if *scenario == "latency" || *scenario == "all" {
		fg, err := b.chain(ctx, *chainNodes)
		if err != nil {
			return err
		}
		var lat []time.Duration
		for range *latRuns {
			_, l, err := b.runMany(ctx, fg, 1)
			if err != nil {
				return err
			}
			lat = append(lat, l...)
		}
		slices.Sort(lat)
		fmt.Printf("latency: one %d-node chain end to end (submit → terminal status committed), %d runs: min %s, p50 %s, max %s\n",
			*chainNodes, len(lat), lat[0].Round(100*time.Microsecond), lat[len(lat)/2].Round(100*time.Microsecond),
			lat[len(lat)-1].Round(100*time.Microsecond))
		traced.report(ctx, *latRuns, *chainNodes)
	}
	return nil
}

type bencher struct {
	d    *deps
	eng  *engine.Engine
	ends chan runEnd
	user *model.User
}

type runEnd struct {
	id     string
	status model.Status
}

func (b *bencher) save(ctx context.Context, spec *model.GraphSpec) (*model.FullGraph, error) {
	return b.d.store.GraphSaveSpec(ctx, b.user.ID, spec, db.GraphSave{Activate: true})
}

func (b *bencher) storeValueID() string {
	blk, _ := b.d.reg.ByName("StoreValueBlock")
	return blk.Info().ID
}

// chain: n StoreValueBlocks, each feeding the next.
func (b *bencher) chain(ctx context.Context, n int) (*model.FullGraph, error) {
	spec := &model.GraphSpec{Name: "bench-chain-" + uuid.NewString()[:8]}
	for i := range n {
		nd := model.NodeSpec{Key: fmt.Sprintf("n%d", i), BlockID: b.storeValueID()}
		if i == 0 {
			nd.InputDefault = map[string]any{"input": 1}
		} else {
			spec.Links = append(spec.Links, model.LinkSpec{SourceKey: fmt.Sprintf("n%d", i-1), SinkKey: nd.Key,
				SourceName: "output", SinkName: "input"})
		}
		spec.Nodes = append(spec.Nodes, nd)
	}
	return b.save(ctx, spec)
}

// fanout: one StoreValueBlock feeding n-1 others.
func (b *bencher) fanout(ctx context.Context, n int) (*model.FullGraph, error) {
	spec := &model.GraphSpec{Name: "bench-fanout-" + uuid.NewString()[:8]}
	spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: "src", BlockID: b.storeValueID(), InputDefault: map[string]any{"input": 1}})
	for i := 1; i < n; i++ {
		k := fmt.Sprintf("s%d", i)
		spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: k, BlockID: b.storeValueID()})
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: "src", SinkKey: k, SourceName: "output", SinkName: "input"})
	}
	return b.save(ctx, spec)
}

// runMany submits n runs of fg at once and waits for every terminal event
// (subscribed before submitting); it returns the wall time and each run's
// latency from its submit to its terminal commit.
func (b *bencher) runMany(ctx context.Context, fg *model.FullGraph, n int) (time.Duration, []time.Duration, error) {
	var mu sync.Mutex
	submitted := map[string]time.Time{}
	start := time.Now()
	// Concurrent runs arrive concurrently (many API requests at once), so
	// they are submitted from n goroutines: their commits share WAL flushes
	// instead of queueing one fsync after another.
	errs := make(chan error, n)
	for range n {
		go func() {
			t0 := time.Now()
			ex, err := b.eng.Submit(ctx, b.user.ID, fg.ID, 0, nil, model.UserContext{})
			if err == nil {
				mu.Lock()
				submitted[ex.ID.String()] = t0
				mu.Unlock()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return 0, nil, err
		}
	}
	// Every submit has returned, so submitted is complete; ends of other
	// runs (left over by an interrupted earlier bench and resumed) are
	// ignored. Ends that came before are waiting in the channel.
	ended := make(map[string]time.Time, n)
	timeout := time.After(5 * time.Minute)
	for len(ended) < n {
		select {
		case ev := <-b.ends:
			if _, ok := submitted[ev.id]; !ok {
				continue
			}
			if ev.status != model.StatusCompleted {
				return 0, nil, fmt.Errorf("run %s ended %s", ev.id, ev.status)
			}
			ended[ev.id] = time.Now()
		case <-timeout:
			return 0, nil, fmt.Errorf("timed out: %d of %d runs ended", len(ended), n)
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
	}
	elapsed := time.Since(start)
	lat := make([]time.Duration, 0, n)
	for id, t0 := range submitted {
		lat = append(lat, ended[id].Sub(t0))
	}
	return elapsed, lat, nil
}

// naive persists the chain workload the way a one-commit-per-change engine
// would: per node execution an INSERT (QUEUED), an UPDATE to RUNNING and an
// UPDATE to COMPLETED with its output, each its own transaction that also
// advances the run's event sequence; `runs` goroutines in parallel.
func (b *bencher) naive(ctx context.Context, runs, nodes int) (float64, error) {
	fg, err := b.chain(ctx, nodes)
	if err != nil {
		return 0, err
	}
	pool := b.d.pool
	ids := make([]uuid.UUID, runs)
	for i := range ids {
		ids[i] = uuid.New()
		if _, err := pool.Exec(ctx, `INSERT INTO graph_executions (id, graph_id, graph_version, user_id, status, started_at, ended_at)
			VALUES ($1, $2, $3, $4, 'COMPLETED', now(), now())`, ids[i], fg.ID, fg.Version, b.user.ID); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			step := func(sql string, args ...any) error {
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, sql, args...); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, "UPDATE graph_executions SET last_seq = last_seq + 1 WHERE id = $1", id)
					return err
				})
			}
			for i := range nodes {
				ne := uuid.New()
				if err := step(`INSERT INTO node_executions (id, graph_execution_id, node_id, status, inputs)
					VALUES ($1, $2, $3, 'QUEUED', '{"input": 1}')`, ne, id, fg.Nodes[i].ID); err != nil {
					errs <- err
					return
				}
				if err := step(`UPDATE node_executions SET status = 'RUNNING', started_at = now() WHERE id = $1 AND status = 'QUEUED'`, ne); err != nil {
					errs <- err
					return
				}
				if err := step(`UPDATE node_executions SET status = 'COMPLETED', ended_at = now(), outputs = '{"output":[1]}'
					WHERE id = $1 AND status = 'RUNNING'`, ne); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(runs*nodes) / time.Since(start).Seconds(), nil
}

// warmPool opens every connection the pool may hold.
func warmPool(ctx context.Context, pool *pgxpool.Pool) error {
	conns := make([]*pgxpool.Conn, 0, pool.Config().MaxConns)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range pool.Config().MaxConns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	return nil
}

// startCPUProfile profiles this process into path until stop is called;
// an empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
