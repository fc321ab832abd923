package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
)

// apiSide is the launched server, its fresh database and the clients.
type apiSide struct {
	cfg        apiConfig
	pool       *pgxpool.Pool
	drop       func() error
	srv        *livebench.Process
	pprofAddr  string
	clients    []*apiClient
	syncCommit string
	backends   []int // the database's Postgres backends, once the clients have warmed the server's pool
	redis      []int // the Redis server's process, if on this machine
	commits0   int64
	ids        []uuid.UUID // runs followed to their end in the windows
}

// apiResult is what the API windows measured and checked.
type apiResult struct {
	cfg        apiConfig
	syncCommit string
	cpuUse
	runs     int   // followed to COMPLETED in the windows
	stored   int64 // their node executions COMPLETED in Postgres
	frames   int   // "next" messages of their subscriptions
	ended    int   // of them, runs whose SNAPSHOT already showed the end
	resnaps  int   // SNAPSHOTs after the first (the server re-read the run)
	events   int64 // seqs their streams covered after the first SNAPSHOT
	failures []string
	// Per run: executeGraph request → answer, subscribe → complete, and
	// executeGraph request → complete.
	submit, follow, total []time.Duration
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
		d    []time.Duration
	}{{"executeGraph (HTTP)", r.submit}, {"subscribe → complete", r.follow}, {"whole run", r.total}} {
		d := livebench.Percentiles(l.d)
		fmt.Printf("  %-22s p50 %s ms, p90 %s, p99 %s, max %s\n", l.name, ms(d.P50), ms(d.P90), ms(d.P99), ms(d.Max))
	}
	if r.runs > 0 {
		n := float64(r.runs)
		fmt.Printf("  %.1f frames per run for %.1f events after the first SNAPSHOT; %d SNAPSHOTs re-sent (re-reads); %d of %d runs had ended before their first SNAPSHOT\n",
			float64(r.frames)/n, float64(r.events)/n, r.resnaps, r.ended, r.runs)
		fmt.Printf("  CPU per run: %s\n", r.perRun(r.runs, "bench clients"))
		fmt.Printf("  server system calls per run (every socket: clients, Postgres, Redis): %.1f writes, %.1f reads\n",
			float64(r.writes)/n, float64(r.reads)/n)
	}
	for i, f := range r.failures {
		if i == 5 {
			fmt.Printf("  … and %d more failures\n", len(r.failures)-5)
			break
		}
		fmt.Printf("  FAILED: %s\n", f)
	}
}

// startAPISide creates the database, launches the server, creates the
// user, its key and the graph, and connects the clients.
func startAPISide(ctx context.Context, cfg apiConfig) (a *apiSide, err error) {
	a = &apiSide{cfg: cfg}
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.base.DatabaseURL, "api", 4)
	if err != nil {
		return nil, err
	}
	a.pool, a.drop = pool, drop
	defer func() {
		if err != nil {
			err = errors.Join(err, a.close())
		}
	}()
	if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&a.syncCommit); err != nil {
		return a, err
	}
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": cfg.base.RedisURL,
		"REDIS_PREFIX": "agbench:" + livebench.RandomHex(6) + ":"}
	if cfg.serverProfile != "" {
		if a.pprofAddr, err = livebench.FreeLoopbackAddr(); err != nil {
			return a, err
		}
		env["PPROF_ADDR"] = a.pprofAddr
	}
	if a.srv, err = livebench.LaunchServe(ctx, cfg.bin, cfg.workers, env, cfg.logger); err != nil {
		return a, err
	}
	// The server synced the block library at start-up; the graph's nodes
	// reference it.
	store := db.New(pool)
	userID, key, err := livebench.UserWithAPIKey(ctx, store, "apibench")
	if err != nil {
		return a, err
	}
	fg, err := graphs.New(store, blocks.Builtin()).Create(ctx, userID, apiGraph(cfg.nodes))
	if err != nil {
		return a, fmt.Errorf("create graph: %w", err)
	}
	for range cfg.clients {
		c, err := newAPIClient(a.srv.Base(), key, fg.ID.String())
		if err != nil {
			return a, err
		}
		a.clients = append(a.clients, c)
	}
	return a, nil
}

func (a *apiSide) close() error {
	for _, c := range a.clients {
		c.close()
	}
	if a.srv != nil {
		a.srv.Stop()
	}
	return a.drop()
}

// begin warms the server (its connections, caches) and starts counting
// transactions.
func (a *apiSide) begin(ctx context.Context) error {
	outs, err := runClients(ctx, a.clients, a.cfg.warmup)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if len(o.failures) > 0 {
			return fmt.Errorf("warm-up: %s", o.failures[0])
		}
	}
	if a.backends, err = backendPids(ctx, a.pool); err != nil {
		return err
	}
	if pid := redisPid(ctx, a.cfg.base.RedisURL); pid > 0 {
		a.redis = []int{pid}
	}
	a.commits0, err = settledCommits(ctx, a.pool)
	return err
}

// window runs the clients for one window and adds what they saw to res;
// it returns the window's rate. profile: take the server's CPU profile
// over it, when asked for.
func (a *apiSide) window(ctx context.Context, profile bool, res *apiResult) (float64, error) {
	profiled := make(chan error, 1)
	if profile && a.pprofAddr != "" {
		go func() {
			profiled <- livebench.FetchCPUProfile(ctx, a.pprofAddr, int(a.cfg.duration/time.Second), a.cfg.serverProfile)
		}()
	} else {
		profiled <- nil
	}
	srv0, _ := a.srv.CPU()
	rd0, wr0, sysErr := a.srv.Syscalls()
	pg0, redis0, bench0, all0 := pidsCPU(a.backends), pidsCPU(a.redis), livebench.SelfCPU(), livebench.MachineCPU()
	start := time.Now()
	outs, err := runClients(ctx, a.clients, a.cfg.duration)
	el := time.Since(start)
	srv1, _ := a.srv.CPU()
	if rd1, wr1, err := a.srv.Syscalls(); err == nil && sysErr == nil {
		res.reads, res.writes = res.reads+rd1-rd0, res.writes+wr1-wr0
	}
	res.elapsed += el
	res.server += srv1 - srv0
	res.postgres += pidsCPU(a.backends) - pg0
	res.redis += pidsCPU(a.redis) - redis0
	res.bench += livebench.SelfCPU() - bench0
	res.machine += livebench.MachineCPU() - all0
	if err != nil {
		return 0, err
	}
	if err := <-profiled; err != nil {
		return 0, fmt.Errorf("server profile: %w", err)
	}
	if err := a.srv.Alive(); err != nil {
		return 0, err
	}
	runs := 0
	for _, o := range outs {
		res.failures = append(res.failures, o.failures...)
		res.frames += o.frames
		res.ended += o.ended
		res.resnaps += o.resnapshots
		res.events += o.events
		a.ids = append(a.ids, o.ids...)
		runs += len(o.ids)
		res.submit, res.follow, res.total = append(res.submit, o.submit...), append(res.follow, o.follow...), append(res.total, o.total...)
	}
	res.runs += runs
	return float64(runs*a.cfg.nodes) / el.Seconds(), nil
}

// end counts the transactions and checks in Postgres that every run
// followed to its end was stored whole.
func (a *apiSide) end(ctx context.Context, res *apiResult) error {
	commits1, err := settledCommits(ctx, a.pool)
	if err != nil {
		return err
	}
	res.commits = commits1 - a.commits0
	return a.pool.QueryRow(ctx, `SELECT count(*) FROM node_executions n JOIN graph_executions e ON e.id = n.graph_execution_id
		WHERE e.id = ANY($1) AND e.status = 'COMPLETED' AND n.status = 'COMPLETED'`, a.ids).Scan(&res.stored)
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
