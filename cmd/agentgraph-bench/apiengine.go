package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/model"
)

// engineSide is an engine in this process on a fresh database of its own,
// set up as the engine scenario sets one up, with the graphs it runs.
type engineSide struct {
	cfg         apiConfig
	drop        func() error
	d           *deps
	b           *bencher
	chain, runs *model.FullGraph // the engine scenario's chain; the API scenario's graph
	backends    []int
	redis       []int // the Redis server's process, if on this machine
	commits0    int64
}

// inProcess are the in-process windows' figures.
type inProcess struct {
	chain, loop inProcessFigure
}

// inProcessFigure is node executions over time, and the runs they were.
type inProcessFigure struct {
	nodes   int
	elapsed time.Duration
	runs    int
	cpuUse  // of the same-runs windows only
}

func (f inProcessFigure) rate() float64 { return float64(f.nodes) / f.elapsed.Seconds() }

func (e *inProcess) print(cfg apiConfig) {
	fmt.Printf("in-process engine, fresh database, same windows:\n")
	fmt.Printf("  the engine scenario's chain (%d runs × %d nodes at once, again and again): %8.0f node-exec/s\n",
		engChainRuns, engChainNodes, e.chain.rate())
	fmt.Printf("  the same runs submitted in-process (%d closed-loop submitters, %d nodes):   %8.0f node-exec/s (%d runs)\n",
		cfg.clients, cfg.nodes, e.loop.rate(), e.loop.runs)
	fmt.Printf("  CPU per run of these: %s\n", e.loop.perRun(e.loop.runs, "engine (this process)"))
}

func startEngineSide(ctx context.Context, cfg apiConfig) (e *engineSide, err error) {
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.base.DatabaseURL, "apiengine", 1)
	if err != nil {
		return nil, err
	}
	pool.Close() // the engine opens its own pool, sized as a server's
	e = &engineSide{cfg: cfg, drop: drop}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.close())
		}
	}()
	c := cfg.base
	c.DatabaseURL, c.RedisPrefix = dbURL, "agbench:"+livebench.RandomHex(6)+":"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if e.d, err = connectWith(ctx, c, quiet); err != nil {
		return e, err
	}
	if e.b, err = startBencher(ctx, e.d, quiet, engine.Options{MaxRuns: cfg.workers}); err != nil {
		return e, err
	}
	if e.chain, err = e.b.chain(ctx, engChainNodes); err != nil {
		return e, err
	}
	e.runs, err = e.b.save(ctx, apiGraph(cfg.nodes))
	return e, err
}

func (e *engineSide) close() error {
	if e.b != nil {
		e.b.eng.Stop()
	}
	if e.d != nil {
		e.d.close()
	}
	return e.drop()
}

// begin warms the engine as the API side's warm-up warms the server, and
// starts counting transactions.
func (e *engineSide) begin(ctx context.Context) (err error) {
	if _, _, err := e.b.closedLoop(ctx, e.runs, e.cfg.clients, e.cfg.warmup); err != nil {
		return err
	}
	if e.backends, err = backendPids(ctx, e.d.pool); err != nil {
		return err
	}
	if pid := redisPid(ctx, e.cfg.base.RedisURL); pid > 0 {
		e.redis = []int{pid}
	}
	e.commits0, err = settledCommits(ctx, e.d.pool)
	return err
}

// window runs the chain scenario, then the same runs as the API's, for a
// window each, adds them to res and returns their rates.
func (e *engineSide) window(ctx context.Context, res *inProcess) (chain, loop float64, err error) {
	bt, err := e.b.batches(ctx, e.chain, engChainRuns, e.cfg.duration)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for _, w := range bt.walls {
		res.chain.elapsed += w
		n += engChainRuns * engChainNodes
	}
	res.chain.nodes += n
	res.chain.runs += len(bt.walls) * engChainRuns
	chain = float64(n) / sumDurations(bt.walls).Seconds()

	pg0, redis0, self0, all0 := pidsCPU(e.backends), pidsCPU(e.redis), livebench.SelfCPU(), livebench.MachineCPU()
	runs, el, err := e.b.closedLoop(ctx, e.runs, e.cfg.clients, e.cfg.duration)
	if err != nil {
		return 0, 0, err
	}
	u := &res.loop.cpuUse
	u.postgres += pidsCPU(e.backends) - pg0
	u.redis += pidsCPU(e.redis) - redis0
	u.bench += livebench.SelfCPU() - self0
	u.machine += livebench.MachineCPU() - all0
	u.elapsed += el
	res.loop.elapsed += el
	res.loop.runs += runs
	res.loop.nodes += runs * e.cfg.nodes
	return chain, float64(runs*e.cfg.nodes) / el.Seconds(), nil
}

// end counts the transactions of the windows.
func (e *engineSide) end(ctx context.Context, res *inProcess) error {
	commits1, err := settledCommits(ctx, e.d.pool)
	res.loop.commits = commits1 - e.commits0
	return err
}

// closedLoop runs n submitters of fg for d, each waiting for its run's end
// before the next; it returns the runs completed and the time taken.
func (b *bencher) closedLoop(ctx context.Context, fg *model.FullGraph, n int, d time.Duration) (int, time.Duration, error) {
	start := time.Now()
	deadline := start.Add(d)
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for k := 0; time.Now().Before(deadline); k++ {
				ex, err := b.eng.Submit(ctx, b.user.ID, fg.ID, 0, map[string]any{"x": k}, model.UserContext{})
				if err != nil {
					errs[i] = err
					return
				}
				if st := b.ends.wait(ctx, ex.ID.String()); st != model.StatusCompleted {
					errs[i] = fmt.Errorf("run %s ended %s", ex.ID, st)
					return
				}
				counts[i]++
			}
		})
	}
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return total, time.Since(start), errors.Join(errs...)
}

func sumDurations(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// printWhereTheRestGoes splits the ratio to the chain into its two factors
// (issue 11 item 4 asks where the rest goes): the same runs in-process
// against the chain, which no API work enters (runs of nodes nodes instead
// of the chain's 40, with a run's fixed cost spread over fewer nodes), and
// the API against the same runs in-process, which is the API's own work.
// That work is then read as CPU a run beyond the same runs' in-process CPU,
// per process, beside the most it could be for 0.60 of the chain at the
// load the API windows ran at (the machine being CPU-bound, the rate is
// the cores used over the CPU a run).
func printWhereTheRestGoes(res *apiResult, eng *inProcess, nodes int) {
	if res.runs == 0 || eng.loop.runs == 0 || eng.chain.rate() == 0 {
		return
	}
	fmt.Printf("  where the rest goes: %.2f = %.2f (the same runs in-process against the chain: %d-node runs, not %d) × %.2f (the API against them: its own work)\n",
		res.rate()/eng.chain.rate(), eng.loop.rate()/eng.chain.rate(), nodes, engChainNodes, res.rate()/eng.loop.rate())
	ms := msPerRun
	api, loop := res.cpuUse, eng.loop.cpuUse
	inProc := ms(loop.postgres+loop.bench+loop.redis, eng.loop.runs)
	own := ms(api.server+api.postgres+api.bench+api.redis, res.runs) - inProc
	cores := api.machine.Seconds() / api.elapsed.Seconds()
	budget := cores*float64(nodes)/(0.60*eng.chain.rate())*1000 - inProc
	fmt.Printf("  the API's own work: %.2f ms of CPU a run beyond the same runs in-process (%.2f ms): server beyond the engine %+.2f, Postgres %+.2f, the bench's clients %.2f, Redis %+.2f; 0.60 of the chain at %.2f cores busy leaves it %.2f ms\n",
		own, inProc, ms(api.server, res.runs)-ms(loop.bench, eng.loop.runs), ms(api.postgres, res.runs)-ms(loop.postgres, eng.loop.runs),
		ms(api.bench, res.runs), ms(api.redis, res.runs)-ms(loop.redis, eng.loop.runs), cores, budget)
}
