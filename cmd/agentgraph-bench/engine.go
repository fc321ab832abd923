package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
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
// the naive one-commit-per-change persistence it replaces. --duration
// repeats each throughput scenario until that much time has passed (one
// slow batch then weighs little in the aggregate); --repeat runs every
// scenario again and ends with each figure's runs, median and worst.
func benchCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("engine", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scenario := fs.String("scenario", "all", "chain | fanout | latency | naive | all")
	chainRuns := fs.Int("chain-runs", 50, "concurrent runs of the chain scenario")
	chainNodes := fs.Int("chain-nodes", 40, "nodes per chain")
	fanRuns := fs.Int("fanout-runs", 10, "runs of the fan-out scenario")
	fanNodes := fs.Int("fanout-nodes", 1000, "nodes per fan-out (1 source + N-1 sinks)")
	latRuns := fs.Int("latency-runs", 20, "sequential single runs for the latency figure")
	duration := fs.Duration("duration", 0, "repeat each throughput scenario's batch of runs until this much time has passed (0: one batch)")
	repeat := fs.Int("repeat", 1, "run the scenarios this many times and summarise each figure (median, worst)")
	strict := fs.Bool("strict", false, "every node waits for its inputs to be committed (no speculation)")
	writers := fs.Int("writers", 0, "group-commit writers (default 2)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole bench to this file")
	runCost := fs.Int64("run-cost", 0, "charge every node this RUN cost (credits per execution, set on StoreValueBlock for the bench's database and made free again at the end)")
	traceRatio := fs.Float64("trace-ratio", -1, "trace runs through an OTLP/HTTP exporter to a receiver in this process, "+
		"sampling this share of them (0.01: the default sampler; 1: all); negative: no tracer, as without an endpoint")
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(engine.WorkerGCPercent)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: engine [--scenario S] [--chain-runs N] [--chain-nodes N] [--fanout-runs N] [--fanout-nodes N] [--duration D] [--repeat N] [--strict] [--trace-ratio R] [--run-cost N])", err)
	}
	if *repeat < 1 {
		return fmt.Errorf("--repeat must be 1 or more")
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
	d, err := connectFresh(ctx, "engine", quiet)
	if err != nil {
		return err
	}
	defer d.close()
	if *runCost > 0 {
		restore, err := chargeEveryNode(ctx, d, *runCost)
		if err != nil {
			return err
		}
		defer restore()
	}
	b, err := startBencher(ctx, d, logger, engine.Options{MaxRuns: max(*chainRuns, *fanRuns, 64), Strict: *strict, Writers: *writers,
		Tracer: traced.tracer()})
	if err != nil {
		return err
	}
	defer b.eng.Stop()
	if *runCost > 0 {
		// Enough for every node of every scenario, so no run is refused: the
		// most a balance may hold.
		if _, err := d.store.CreditAdd(ctx, b.user.ID, model.MaxBalance, "BONUS", "engine bench --run-cost"); err != nil {
			return err
		}
	}
	fmt.Printf("agentgraph-bench engine — synchronous_commit=%s, strict=%v, trace-ratio=%g, run-cost=%d\n", b.syncCommit, *strict, *traceRatio, *runCost)
	var naive float64
	if *scenario == "naive" || *scenario == "all" {
		naive, err = b.naive(ctx, *chainRuns, *chainNodes)
		if err != nil {
			return err
		}
		fmt.Printf("naive one-commit-per-change (%d writers): %8.0f node-exec/s\n", *chainRuns, naive)
	}
	throughput := []struct {
		name        string
		build       func(context.Context, int) (*model.FullGraph, error)
		runs, nodes int
	}{
		{"chain", b.chain, *chainRuns, *chainNodes},
		{"fanout", b.fanout, *fanRuns, *fanNodes},
	}
	var figs figures
	for rep := 1; rep <= *repeat; rep++ {
		if *repeat > 1 {
			fmt.Printf("— run %d of %d (load average %s)\n", rep, *repeat, livebench.LoadAverage())
		}
		for _, sc := range throughput {
			if *scenario != sc.name && *scenario != "all" {
				continue
			}
			fg, err := sc.build(ctx, sc.nodes)
			if err != nil {
				return err
			}
			cpu0 := processCPU()
			bt, err := b.batches(ctx, fg, sc.runs, *duration)
			if err != nil {
				return err
			}
			cpu := processCPU() - cpu0
			name := fmt.Sprintf("%s: %d runs × %d nodes", strings.Replace(sc.name, "fanout", "fan-out", 1), sc.runs, sc.nodes)
			figs.add(name, bt.report(name, sc.runs*sc.nodes, naive))
			// CPU time is steadier than throughput on a busy machine: it
			// counts what this process spent, not what it waited for.
			fmt.Printf("%-34s CPU of this process: %.1f µs per node execution\n", "",
				float64(cpu.Microseconds())/float64(sc.runs*sc.nodes*len(bt.walls)))
			traced.report(ctx, sc.runs*len(bt.walls), sc.nodes)
		}
		if *scenario == "latency" || *scenario == "all" {
			p50, err := b.latency(ctx, *chainNodes, *latRuns)
			if err != nil {
				return err
			}
			figs.add(fmt.Sprintf("latency: one %d-node chain, p50 ms", *chainNodes), float64(p50)/float64(time.Millisecond))
			traced.report(ctx, *latRuns, *chainNodes)
		}
	}
	if *repeat > 1 {
		figs.print()
	}
	return nil
}

// startBencher warms d's pool and starts an engine on it as a serving
// process would run one, with opts' sizes (MaxNodes 128 unless set); run
// ends reach the bencher through OnRunEnd.
func startBencher(ctx context.Context, d *deps, logger *slog.Logger, opts engine.Options) (*bencher, error) {
	// A serving process has its connections open; a fresh one would spend
	// the first scenario dialling Postgres, which is not the engine's cost.
	if err := warmPool(ctx, d.pool); err != nil {
		return nil, err
	}
	b := &bencher{d: d, ends: newEndTracker()}
	if err := d.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&b.syncCommit); err != nil {
		return nil, err
	}
	// Run ends are observed through the engine's OnRunEnd hook rather than a
	// Redis subscription: a hub in this process would decode every event and
	// compete with the engine for the same two cores. Events are still
	// published to Redis, as in production.
	if opts.MaxNodes == 0 {
		opts.MaxNodes = 128
	}
	opts.PollInterval = 100 * time.Millisecond
	opts.OnRunEnd = b.ends.onEnd
	b.eng = engine.New(d.store, d.reg, events.NewPublisher(d.rdb, d.cfg.RedisPrefix), logger, opts)
	if err := b.eng.Start(ctx); err != nil {
		return nil, err
	}
	u, err := d.store.UserCreate(ctx, db.NewUser{Email: fmt.Sprintf("bench-%s@example.com", uuid.NewString()[:8])})
	if err != nil {
		b.eng.Stop()
		return nil, err
	}
	b.user = u
	return b, nil
}

// latency runs n single runs of a chain of nodes one after the other and
// prints their spread; it returns the p50.
func (b *bencher) latency(ctx context.Context, nodes, n int) (time.Duration, error) {
	fg, err := b.chain(ctx, nodes)
	if err != nil {
		return 0, err
	}
	var lat []time.Duration
	for range n {
		_, l, err := b.runMany(ctx, fg, 1)
		if err != nil {
			return 0, err
		}
		lat = append(lat, l...)
	}
	slices.Sort(lat)
	fmt.Printf("latency: one %d-node chain end to end (submit → terminal status committed), %d runs: min %s, p50 %s, max %s\n",
		nodes, len(lat), lat[0].Round(100*time.Microsecond), lat[len(lat)/2].Round(100*time.Microsecond),
		lat[len(lat)-1].Round(100*time.Microsecond))
	return lat[len(lat)/2], nil
}

// batchRuns is a throughput scenario's batches: each batch's wall time and
// every run's latency.
type batchRuns struct {
	walls []time.Duration
	lat   []time.Duration
}

// batches runs batches of n concurrent runs of fg (runMany) one after the
// other until d has passed, at least one.
func (b *bencher) batches(ctx context.Context, fg *model.FullGraph, n int, d time.Duration) (*batchRuns, error) {
	bt := &batchRuns{}
	start := time.Now()
	for len(bt.walls) == 0 || time.Since(start) < d {
		el, lat, err := b.runMany(ctx, fg, n)
		if err != nil {
			return nil, err
		}
		bt.walls = append(bt.walls, el)
		bt.lat = append(bt.lat, lat...)
	}
	return bt, nil
}

// report prints the batches' aggregate rate of node executions (perBatch
// each), the run latencies, and each batch's rate when there were several;
// it returns the aggregate rate.
func (bt *batchRuns) report(name string, perBatch int, naive float64) float64 {
	total := sumDurations(bt.walls)
	n := perBatch * len(bt.walls)
	rate := float64(n) / total.Seconds()
	fmt.Printf("%-34s %6d node-exec in %8s: %8.0f node-exec/s  (×%.1f vs 500/s published one-commit figure", name, n,
		total.Round(time.Millisecond), rate, rate/refOneCommitPerChange)
	if naive > 0 {
		fmt.Printf(", ×%.1f vs naive measured now", rate/naive)
	}
	fmt.Printf("; %.2f of the 60,000 rows/s batched-insert ceiling)\n", rate*2/refBatchedRowsPerSec)
	if len(bt.walls) > 1 {
		each := make([]string, len(bt.walls))
		for i, w := range bt.walls {
			each[i] = fmt.Sprintf("%.0f", float64(perBatch)/w.Seconds())
		}
		fmt.Printf("%-34s %d batches, node-exec/s each: %s\n", "", len(bt.walls), strings.Join(each, " "))
	}
	if lat := bt.lat; len(lat) > 0 {
		slices.Sort(lat)
		fmt.Printf("%-34s run latency p50 %s, p95 %s, max %s\n", "", lat[len(lat)/2].Round(time.Millisecond),
			lat[len(lat)*95/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	return rate
}

// figures collects one value per run of each figure, in first-seen order.
type figures struct {
	names []string
	runs  map[string][]float64
}

func (f *figures) add(name string, v float64) {
	if f.runs == nil {
		f.runs = map[string][]float64{}
	}
	if _, ok := f.runs[name]; !ok {
		f.names = append(f.names, name)
	}
	f.runs[name] = append(f.runs[name], v)
}

// print lists each figure's runs with their median, lowest and highest.
func (f *figures) print() {
	fmt.Println("summary:")
	for _, name := range f.names {
		vs := f.runs[name]
		each := make([]string, len(vs))
		for i, v := range vs {
			each[i] = num(v)
		}
		s := slices.Clone(vs)
		slices.Sort(s)
		med := s[len(s)/2]
		if len(s)%2 == 0 {
			med = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		fmt.Printf("  %-38s runs %s; median %s, min %s, max %s\n", name, strings.Join(each, " / "), num(med), num(s[0]), num(s[len(s)-1]))
	}
}

// num prints a rate without decimals, a time in ms with one.
func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

type bencher struct {
	d          *deps
	eng        *engine.Engine
	ends       *endTracker
	user       *model.User
	syncCommit string
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

// runMany submits n runs of fg at once and waits for every one to end; it
// returns the wall time and each run's latency from its submit to its
// terminal commit (the engine's OnRunEnd).
func (b *bencher) runMany(ctx context.Context, fg *model.FullGraph, n int) (time.Duration, []time.Duration, error) {
	type submitted struct {
		id  string
		at  time.Time
		err error
	}
	start := time.Now()
	// Concurrent runs arrive concurrently (many API requests at once), so
	// they are submitted from n goroutines: their commits share WAL flushes
	// instead of queueing one fsync after another.
	subs := make(chan submitted, n)
	for range n {
		go func() {
			t0 := time.Now()
			ex, err := b.eng.Submit(ctx, b.user.ID, fg.ID, 0, nil, model.UserContext{})
			if err != nil {
				subs <- submitted{err: err}
				return
			}
			subs <- submitted{id: ex.ID.String(), at: t0}
		}()
	}
	all := make([]submitted, 0, n)
	for range n {
		s := <-subs
		if s.err != nil {
			return 0, nil, s.err
		}
		all = append(all, s)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	lat := make([]time.Duration, 0, n)
	var last time.Time
	for _, s := range all {
		e := b.ends.waitEnd(wctx, s.id)
		if e.status != model.StatusCompleted {
			if err := ctx.Err(); err != nil {
				return 0, nil, err
			}
			if wctx.Err() != nil {
				return 0, nil, fmt.Errorf("timed out: %d of %d runs ended", len(lat), n)
			}
			return 0, nil, fmt.Errorf("run %s ended %s", s.id, e.status)
		}
		lat = append(lat, e.at.Sub(s.at))
		if e.at.After(last) {
			last = e.at
		}
	}
	return last.Sub(start), lat, nil
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

// chargeEveryNode gives StoreValueBlock, the node of every scenario, an
// operator-set RUN cost of amount credits in the bench's database, so each
// node execution writes its EXECUTION_COST transaction in the commit that
// ends it (issue 15's figure); restore makes it free again.
func chargeEveryNode(ctx context.Context, d *deps, amount int64) (restore func(), err error) {
	blk, _ := d.reg.ByName("StoreValueBlock")
	id, err := uuid.Parse(blk.Info().ID)
	if err != nil {
		return nil, err
	}
	if _, err := d.store.BlockCostsSet(ctx, id, []db.BlockCost{{Type: "RUN", Amount: amount, Currency: blocks.DefaultCurrency,
		Filter: json.RawMessage(`{}`), Description: "engine bench --run-cost"}}, uuid.Nil); err != nil {
		return nil, err
	}
	return func() {
		if _, err := d.store.BlockCostsSet(context.Background(), id, nil, uuid.Nil); err != nil {
			fmt.Printf("making StoreValueBlock free again: %v\n", err)
		}
	}, nil
}
