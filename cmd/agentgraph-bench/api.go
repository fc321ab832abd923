package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/model"
)

const benchAPIUsage = "api [--server PATH] [--clients 20] [--nodes 22] [--rounds 3] [--duration 5s] [--warmup 2s] [--workers 64] [--no-engine] [--server-profile F] [--cpuprofile F]"

// apiConfig is one API scenario.
type apiConfig struct {
	bin           string
	base          config.Config // DATABASE_URL names the server the fresh databases go on
	clients       int
	nodes         int // of the graph: AgentInputBlock, nodes-2 StoreValueBlocks, AgentOutputBlock
	rounds        int
	duration      time.Duration // of each window
	warmup        time.Duration
	workers       int
	noEngine      bool
	serverProfile string
	logger        *slog.Logger
}

// The engine scenario's chain (`agentgraph-bench engine` defaults).
const (
	engChainRuns  = 50
	engChainNodes = 40
)

// benchAPICmd (`agentgraph-bench api`, issue 11 item 4) measures runs
// through the API as a user makes them: it launches `agentgraph serve` with
// its engine workers on a fresh database, and --clients clients, each with
// one websocket, submit a --nodes-node run with executeGraph over HTTP and
// follow it over an executionEvents subscription (graphql-transport-ws) to
// its end, then the next. Every run must be followed without a gap to
// COMPLETED, and Postgres must hold every node execution. The in-process
// figures it is compared with are measured by the engine scenario's code in
// this process, on another fresh database, while the server idles: the
// engine scenario's chain, and the same runs submitted in-process. The
// machine is shared, so the three windows alternate, --rounds times
// (--duration each), and each figure is the aggregate of its windows: a
// load that comes and goes weighs on all three alike. It fails only when a
// run was not followed to its end or not stored whole.
func benchAPICmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := apiConfig{logger: logger}
	fs.IntVar(&cfg.clients, "clients", 20, "concurrent clients, each following one run at a time on its own websocket")
	fs.IntVar(&cfg.nodes, "nodes", 22, "nodes per run: an input, nodes-2 StoreValueBlocks in a chain, an output")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds of the three windows (API, in-process chain, in-process runs)")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each window lasts")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "runs before the measurement, not counted (API and in-process)")
	fs.IntVar(&cfg.workers, "workers", 64, "the server's engine workers (and the in-process engine's)")
	fs.BoolVar(&cfg.noEngine, "no-engine", false, "skip the in-process figures")
	fs.StringVar(&cfg.serverProfile, "server-profile", "", "write a CPU profile of the server over the first API window to this file (PPROF_ADDR on loopback)")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the bench process (the clients and the in-process engine) to this file")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchAPIUsage)
	}
	if cfg.nodes < 3 || cfg.clients < 1 || cfg.rounds < 1 {
		return errors.New("--nodes must be 3 or more, --clients and --rounds 1 or more")
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
	fmt.Printf("agentgraph-bench api — %d clients, %d-node runs, %d rounds of %s windows (load average %s)\n",
		cfg.clients, cfg.nodes, cfg.rounds, cfg.duration, livebench.LoadAverage())
	res, eng, err := runAPIRounds(ctx, cfg)
	if res != nil {
		res.print()
	}
	if eng != nil {
		eng.print(cfg)
	}
	if err != nil {
		return err
	}
	if !res.ok() {
		return errors.New("runs were not followed to their end, or not stored whole")
	}
	if eng != nil {
		fmt.Printf("API / in-process: %.2f of the chain scenario (target ≥ 0.60), %.2f of the same runs in-process\n",
			res.rate()/eng.chain.rate(), res.rate()/eng.loop.rate())
		printWhereTheRestGoes(res, eng, cfg.nodes)
	}
	return nil
}

// runAPIRounds sets both sides up, warms them, and runs the rounds.
func runAPIRounds(ctx context.Context, cfg apiConfig) (res *apiResult, eng *inProcess, err error) {
	api, err := startAPISide(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if cerr := api.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var local *engineSide
	if !cfg.noEngine {
		if local, err = startEngineSide(ctx, cfg); err != nil {
			return nil, nil, err
		}
		defer func() {
			if cerr := local.close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		eng = &inProcess{}
	}
	res = &apiResult{cfg: cfg, syncCommit: api.syncCommit}
	if err := api.begin(ctx); err != nil {
		return res, eng, err
	}
	if local != nil {
		if err := local.begin(ctx); err != nil {
			return res, eng, err
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		// Each round starts from a vacuumed database on both sides, as
		// autovacuum keeps a deployed one: without it (this machine's
		// Postgres runs with autovacuum off) the dead rows of the rounds
		// before slow the next, the 2,000-run chain more than the API's
		// runs, and the later rounds' ratios drifted up (0.52, 0.61, 0.75
		// in one run).
		if err := vacuum(ctx, api.pool); err != nil {
			return res, eng, err
		}
		if local != nil {
			if err := vacuum(ctx, local.d.pool); err != nil {
				return res, eng, err
			}
		}
		w, err := api.window(ctx, round == 1, res)
		if err != nil {
			return res, eng, err
		}
		line := fmt.Sprintf("round %d (load average %s): API %.0f", round, livebench.LoadAverage(), w)
		if local != nil {
			c, l, err := local.window(ctx, eng)
			if err != nil {
				return res, eng, err
			}
			line += fmt.Sprintf(", in-process chain %.0f, in-process same runs %.0f node-exec/s: %.2f of the chain", c, l, w/c)
		}
		if local == nil {
			line += " node-exec/s"
		}
		fmt.Println(line)
	}
	if err := api.end(ctx, res); err != nil {
		return res, eng, err
	}
	if local != nil {
		err = local.end(ctx, eng)
	}
	return res, eng, err
}

// vacuum removes the dead rows of the runs so far (VACUUM cannot run in a
// transaction: one statement on its own).
func vacuum(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// apiGraph is AgentInputBlock x → StoreValueBlock × (nodes-2) → AgentOutputBlock y.
func apiGraph(nodes int) *model.GraphSpec {
	reg := blocks.Builtin()
	id := func(name string) string {
		b, _ := reg.ByName(name)
		return b.Info().ID
	}
	spec := &model.GraphSpec{Name: "bench-api-" + fmt.Sprint(time.Now().UnixNano())}
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

// cpuUse is where the CPU went over some windows: seconds used by each
// process (kind) and the windows' total length.
type cpuUse struct {
	elapsed                          time.Duration
	server, postgres, bench, machine time.Duration
	redis                            time.Duration // the whole Redis server's (0: not measured)
	commits                          int64         // transactions committed in the database (reads included)
	reads, writes                    int64         // the server's read and write system calls (0: not measured)
}

// msPerRun is d in milliseconds shared among n runs.
func msPerRun(d time.Duration, n int) float64 {
	return float64(d) / float64(time.Millisecond) / float64(max(n, 1))
}

// perRun prints the CPU per run and per second of n runs.
func (u cpuUse) perRun(n int, process string) string {
	ms := func(d time.Duration) float64 { return msPerRun(d, n) }
	cores := func(d time.Duration) float64 { return d.Seconds() / u.elapsed.Seconds() }
	s := ""
	if u.server > 0 {
		s = fmt.Sprintf("server %.2f ms (%.2f cores), ", ms(u.server), cores(u.server))
	}
	s += fmt.Sprintf("Postgres backends %.2f ms (%.2f cores), %s %.2f ms (%.2f cores), ",
		ms(u.postgres), cores(u.postgres), process, ms(u.bench), cores(u.bench))
	if u.redis > 0 {
		s += fmt.Sprintf("Redis server %.2f ms (%.2f cores; its other users' share included), ", ms(u.redis), cores(u.redis))
	}
	return s + fmt.Sprintf("whole machine %.2f of 2 cores; %.1f transactions per run (reads included)",
		cores(u.machine), float64(u.commits)/float64(max(n, 1)))
}
