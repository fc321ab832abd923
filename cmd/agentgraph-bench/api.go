package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

const benchAPIUsage = "api [--server PATH] [--clients 20] [--nodes 22] [--duration 10s] [--warmup 2s] [--workers 64] [--no-engine] [--server-profile F] [--cpuprofile F]"

// apiConfig is one API scenario.
type apiConfig struct {
	bin           string
	base          config.Config // DATABASE_URL names the server the fresh databases go on
	clients       int
	nodes         int // of the graph: AgentInputBlock, nodes-2 StoreValueBlocks, AgentOutputBlock
	duration      time.Duration
	warmup        time.Duration
	workers       int
	serverProfile string
	logger        *slog.Logger
}

// benchAPICmd (`agentgraph-bench api`, issue 11 item 4) measures runs
// through the API as a user makes them: it launches `agentgraph serve` with
// its engine workers on a fresh database, and --clients clients, each with
// one websocket, submit a --nodes-node run with executeGraph over HTTP and
// follow it over an executionEvents subscription (graphql-transport-ws) to
// its end, then the next, for --duration. Every run must be followed
// without a gap to COMPLETED, and Postgres must hold every node execution.
// Then, in this process on another fresh database, the engine scenario's
// code measures the in-process figures the API's is compared with. It fails
// only when a run was not followed to its end or not stored whole.
func benchAPICmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := apiConfig{logger: logger}
	fs.IntVar(&cfg.clients, "clients", 20, "concurrent clients, each following one run at a time on its own websocket")
	fs.IntVar(&cfg.nodes, "nodes", 22, "nodes per run: an input, nodes-2 StoreValueBlocks in a chain, an output")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the clients run (and the in-process scenarios)")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "runs before the measurement, not counted")
	fs.IntVar(&cfg.workers, "workers", 64, "the server's engine workers")
	fs.StringVar(&cfg.serverProfile, "server-profile", "", "write a CPU profile of the server over the measurement to this file (PPROF_ADDR on loopback)")
	noEngine := fs.Bool("no-engine", false, "skip the in-process engine figures")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the bench process (the clients, then the in-process engine) to this file")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchAPIUsage)
	}
	if cfg.nodes < 3 || cfg.clients < 1 {
		return errors.New("--nodes must be 3 or more and --clients 1 or more")
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.base, err = config.FromEnv(); err != nil {
		return err
	}
	bin, cleanup, err := serverBinary(ctx, *server, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	cfg.bin = bin
	fmt.Printf("agentgraph-bench api — %d clients, %d-node runs, %s (load average %s)\n", cfg.clients, cfg.nodes, cfg.duration, loadAverage())
	res, err := runAPI(ctx, cfg)
	if res != nil {
		res.print()
	}
	if err != nil {
		return err
	}
	if !res.ok() {
		return errors.New("runs were not followed to their end, or not stored whole")
	}
	if *noEngine {
		return nil
	}
	eng, err := runInProcess(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("in-process engine, fresh database (load average %s):\n", loadAverage())
	fmt.Printf("  the engine scenario's chain (%d runs × %d nodes at once, repeated for %s): %8.0f node-exec/s\n",
		engChainRuns, engChainNodes, cfg.duration, eng.chain)
	fmt.Printf("  this scenario's runs submitted in-process (%d closed-loop submitters, %d nodes):   %8.0f node-exec/s\n",
		cfg.clients, cfg.nodes, eng.closedLoop)
	fmt.Printf("  CPU per run of these: %s\n", eng.perRun)
	fmt.Printf("API / in-process: %.2f of the chain scenario (target ≥ 0.60), %.2f of the same runs in-process\n",
		res.rate()/eng.chain, res.rate()/eng.closedLoop)
	return nil
}

// The engine scenario's chain (`agentgraph-bench engine` defaults).
const (
	engChainRuns  = 50
	engChainNodes = 40
)

// apiResult is what the API scenario measured and checked.
type apiResult struct {
	cfg        apiConfig
	syncCommit string
	elapsed    time.Duration
	runs       int   // followed to COMPLETED in the measurement
	stored     int64 // their node executions COMPLETED in Postgres
	frames     int   // "next" messages of their subscriptions
	ended      int   // of them, runs whose SNAPSHOT already showed the end
	resnaps    int   // SNAPSHOTs after the first (the server re-read the run)
	events     int64 // seqs their streams covered after the first SNAPSHOT
	failures   []string
	submit     livebench.Dist // executeGraph request → answer
	follow     livebench.Dist // subscribe → complete
	total      livebench.Dist // executeGraph request → complete
	// CPU seconds per second of the measurement: the server, the bench
	// (its clients), the Postgres backends of the database, the machine.
	serverCPU, benchCPU, pgCPU, machineCPU float64
	commits                                int64 // transactions committed in the database
}

func (r *apiResult) rate() float64 { return float64(r.stored) / r.elapsed.Seconds() }

func (r *apiResult) ok() bool {
	return len(r.failures) == 0 && r.runs > 0 && r.stored == int64(r.runs*r.cfg.nodes)
}

func (r *apiResult) print() {
	fmt.Printf("API: %d runs followed to COMPLETED in %s, %d node executions stored COMPLETED (synchronous_commit=%s)\n",
		r.runs, r.elapsed.Round(time.Millisecond), r.stored, r.syncCommit)
	fmt.Printf("API: %8.0f node-exec/s (%.0f runs/s)\n", r.rate(), float64(r.runs)/r.elapsed.Seconds())
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	for _, l := range []struct {
		name string
		d    livebench.Dist
	}{{"executeGraph (HTTP)", r.submit}, {"subscribe → complete", r.follow}, {"whole run", r.total}} {
		fmt.Printf("  %-22s p50 %s ms, p90 %s, p99 %s, max %s\n", l.name, ms(l.d.P50), ms(l.d.P90), ms(l.d.P99), ms(l.d.Max))
	}
	if r.runs > 0 {
		n := float64(r.runs)
		fmt.Printf("  %.1f frames per run for %.1f events after the first SNAPSHOT; %d SNAPSHOTs re-sent (re-reads); %d of %d runs had ended before their first SNAPSHOT\n",
			float64(r.frames)/n, float64(r.events)/n, r.resnaps, r.ended, r.runs)
		per := func(cpu float64) float64 { return cpu * r.elapsed.Seconds() / n * 1000 }
		fmt.Printf("  CPU (cores): server %.2f, Postgres backends %.2f, bench clients %.2f, whole machine %.2f of 2\n",
			r.serverCPU, r.pgCPU, r.benchCPU, r.machineCPU)
		fmt.Printf("  CPU per run: server %.2f ms, Postgres backends %.2f ms, bench clients %.2f ms; %.1f transactions per run (reads included)\n",
			per(r.serverCPU), per(r.pgCPU), per(r.benchCPU), float64(r.commits)/n)
	}
	for i, f := range r.failures {
		if i == 5 {
			fmt.Printf("  … and %d more failures\n", len(r.failures)-5)
			break
		}
		fmt.Printf("  FAILED: %s\n", f)
	}
}

// runAPI launches the server and runs the clients.
func runAPI(ctx context.Context, cfg apiConfig) (res *apiResult, err error) {
	res = &apiResult{cfg: cfg}
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.base.DatabaseURL, "api", 4)
	if err != nil {
		return nil, err
	}
	defer func() {
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&res.syncCommit); err != nil {
		return nil, err
	}
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": cfg.base.RedisURL,
		"REDIS_PREFIX": "agbench:" + livebench.RandomHex(6) + ":"}
	pprofAddr := ""
	if cfg.serverProfile != "" {
		if pprofAddr, err = freeLoopbackAddr(); err != nil {
			return nil, err
		}
		env["PPROF_ADDR"] = pprofAddr
	}
	srv, err := livebench.LaunchServe(ctx, cfg.bin, cfg.workers, env, cfg.logger)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	// The server synced the block library at start-up; the graph's nodes
	// reference it.
	store := db.New(pool)
	userID, key, err := livebench.UserWithAPIKey(ctx, store, "apibench")
	if err != nil {
		return nil, err
	}
	fg, err := graphs.New(store, blocks.Builtin()).Create(ctx, userID, apiGraph(cfg.nodes))
	if err != nil {
		return nil, fmt.Errorf("create graph: %w", err)
	}
	clients := make([]*apiClient, cfg.clients)
	for i := range clients {
		if clients[i], err = newAPIClient(srv.Base(), key, fg.ID.String()); err != nil {
			for _, c := range clients[:i] {
				c.close()
			}
			return nil, err
		}
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	if _, err := runClients(ctx, clients, cfg.warmup); err != nil {
		return res, err
	}
	// Postgres publishes a backend's statistics at most once a second:
	// let the warm-up's commits land before counting.
	time.Sleep(1100 * time.Millisecond)
	commits0, err := xactCommits(ctx, pool)
	if err != nil {
		return res, err
	}
	backends, err := backendPids(ctx, pool)
	if err != nil {
		return res, err
	}
	srv0, _ := srv.CPU()
	pg0, bench0, all0 := pidsCPU(backends), livebench.SelfCPU(), livebench.MachineCPU()
	profiled := make(chan error, 1)
	if pprofAddr != "" {
		go func() { profiled <- fetchProfile(ctx, pprofAddr, cfg.duration, cfg.serverProfile) }()
	} else {
		profiled <- nil
	}
	start := time.Now()
	outs, err := runClients(ctx, clients, cfg.duration)
	res.elapsed = time.Since(start)
	srv1, _ := srv.CPU()
	secs := res.elapsed.Seconds()
	res.serverCPU = (srv1 - srv0).Seconds() / secs
	res.pgCPU = (pidsCPU(backends) - pg0).Seconds() / secs
	res.benchCPU = (livebench.SelfCPU() - bench0).Seconds() / secs
	res.machineCPU = (livebench.MachineCPU() - all0).Seconds() / secs
	if err != nil {
		return res, err
	}
	if err := <-profiled; err != nil {
		return res, fmt.Errorf("server profile: %w", err)
	}
	if err := srv.Alive(); err != nil {
		return res, err
	}
	var ids []uuid.UUID
	var submit, follow, total []time.Duration
	for _, o := range outs {
		res.failures = append(res.failures, o.failures...)
		res.frames += o.frames
		res.ended += o.ended
		res.resnaps += o.resnapshots
		res.events += o.events
		ids = append(ids, o.ids...)
		submit, follow, total = append(submit, o.submit...), append(follow, o.follow...), append(total, o.total...)
	}
	res.runs = len(ids)
	res.submit, res.follow, res.total = livebench.Percentiles(submit), livebench.Percentiles(follow), livebench.Percentiles(total)
	time.Sleep(1100 * time.Millisecond)
	commits1, err := xactCommits(ctx, pool)
	if err != nil {
		return res, err
	}
	res.commits = commits1 - commits0
	err = pool.QueryRow(ctx, `SELECT count(*) FROM node_executions n JOIN graph_executions e ON e.id = n.graph_execution_id
		WHERE e.id = ANY($1) AND e.status = 'COMPLETED' AND n.status = 'COMPLETED'`, ids).Scan(&res.stored)
	return res, err
}

// apiGraph is AgentInputBlock x → StoreValueBlock × (nodes-2) → AgentOutputBlock y.
func apiGraph(nodes int) *model.GraphSpec {
	reg := blocks.Builtin()
	id := func(name string) string {
		b, _ := reg.ByName(name)
		return b.Info().ID
	}
	spec := &model.GraphSpec{Name: "bench-api-" + livebench.RandomHex(4)}
	spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: "in", BlockID: id("AgentInputBlock"), InputDefault: map[string]any{"name": "x"}})
	prev, pin := "in", "result"
	for i := range nodes - 2 {
		k := fmt.Sprintf("n%d", i)
		spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: k, BlockID: id("StoreValueBlock")})
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: prev, SourceName: pin, SinkKey: k, SinkName: "input"})
		prev, pin = k, "output"
	}
	spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: "out", BlockID: id("AgentOutputBlock"), InputDefault: map[string]any{"name": "y"}})
	spec.Links = append(spec.Links, model.LinkSpec{SourceKey: prev, SourceName: pin, SinkKey: "out", SinkName: "value"})
	return spec
}

// runClients runs every client's loop for d and returns what each saw.
func runClients(ctx context.Context, clients []*apiClient, d time.Duration) ([]*clientOut, error) {
	deadline := time.Now().Add(d)
	outs := make([]*clientOut, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { outs[i] = c.loop(ctx, deadline) })
	}
	wg.Wait()
	return outs, ctx.Err()
}

// inProcess are the engine's own figures on this machine, now.
type inProcess struct {
	chain      float64 // the engine scenario's chain, node executions/s
	closedLoop float64 // the API scenario's runs submitted in-process
	perRun     string  // CPU and commits per run of the closed loop
}

// runInProcess measures, on a fresh database, the engine scenario's chain
// and the API scenario's load submitted to an engine in this process: each
// of cfg.clients submitters submits a run of the same graph, waits for its
// end (the engine's OnRunEnd, no subscription), and submits the next.
func runInProcess(ctx context.Context, cfg apiConfig) (res inProcess, err error) {
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.base.DatabaseURL, "apiengine", 1)
	if err != nil {
		return res, err
	}
	pool.Close() // the engine opens its own pool, sized as a server's
	defer func() {
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	c := cfg.base
	c.DatabaseURL, c.RedisPrefix = dbURL, "agbench:"+livebench.RandomHex(6)+":"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := connectWith(ctx, c, quiet)
	if err != nil {
		return res, err
	}
	defer d.close()
	b, err := startBencher(ctx, d, quiet, engine.Options{MaxRuns: cfg.workers})
	if err != nil {
		return res, err
	}
	defer b.eng.Stop()
	chain, err := b.chain(ctx, engChainNodes)
	if err != nil {
		return res, err
	}
	bt, err := b.batches(ctx, chain, engChainRuns, cfg.duration)
	if err != nil {
		return res, err
	}
	res.chain = bt.report(fmt.Sprintf("chain: %d runs × %d nodes", engChainRuns, engChainNodes), engChainRuns*engChainNodes, 0)
	fg, err := b.save(ctx, apiGraph(cfg.nodes))
	if err != nil {
		return res, err
	}
	time.Sleep(1100 * time.Millisecond) // statistics, as in runAPI
	commits0, err := xactCommits(ctx, d.pool)
	if err != nil {
		return res, err
	}
	backends, err := backendPids(ctx, d.pool)
	if err != nil {
		return res, err
	}
	pg0, self0 := pidsCPU(backends), livebench.SelfCPU()
	runs, el, err := b.closedLoop(ctx, fg, cfg.clients, cfg.duration)
	if err != nil {
		return res, err
	}
	pgCPU, selfCPU := pidsCPU(backends)-pg0, livebench.SelfCPU()-self0
	res.closedLoop = float64(runs*cfg.nodes) / el.Seconds()
	time.Sleep(1100 * time.Millisecond)
	commits1, err := xactCommits(ctx, d.pool)
	if err != nil {
		return res, err
	}
	n := float64(max(runs, 1))
	res.perRun = fmt.Sprintf("engine (this process) %.2f ms, Postgres backends %.2f ms; %.1f transactions per run",
		float64(selfCPU)/float64(time.Millisecond)/n, float64(pgCPU)/float64(time.Millisecond)/n, float64(commits1-commits0)/n)
	return res, nil
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

// xactCommits is the transactions committed in pool's database so far.
func xactCommits(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var n int64
	err := pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

// backendPids are the Postgres backends connected to pool's database (the
// server's pool, opened at its start, and the bench's own).
func backendPids(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, rows.Err()
}

// pidsCPU is the CPU time the processes pids used so far (ones gone since
// count as nothing).
func pidsCPU(pids []int) time.Duration {
	var t time.Duration
	for _, pid := range pids {
		d, _ := livebench.ProcessCPU(pid)
		t += d
	}
	return t
}

// freeLoopbackAddr is a loopback address with a port free a moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// fetchProfile writes a CPU profile of the process serving pprof on addr,
// taken over d (whole seconds), to path.
func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	secs := max(int(d/time.Second), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		"http://"+addr+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
