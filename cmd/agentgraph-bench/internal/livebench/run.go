package livebench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// Result is everything one run measured; a nil part was skipped.
type Result struct {
	Config   Config
	Database string           // the bench database (dropped), or "" with an external server
	Baseline *Dist            // the Redis hop alone
	Latency  []*LatencyResult // one per spread (Config.Spreads)
	Memory   *MemoryResult
}

// Run measures: the Redis-hop baseline, then commit → websocket latency on
// a fresh server, then idle memory on another fresh server (so the latency
// phase's garbage and heap growth do not blur the memory delta). The data
// it creates is removed at the end, its database dropped.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	res = &Result{Config: cfg}
	if cfg.Idle > 0 {
		// Before any server starts: children inherit the limit.
		if err := raiseNoFile(uint64(cfg.Idle) + 1024); err != nil {
			return nil, err
		}
	}

	dbURL, prefix := cfg.DatabaseURL, cfg.RedisPrefix
	if cfg.URL == "" {
		name := "agentgraph_bench_" + randomHex(6)
		res.Database = name
		if dbURL, err = pg.WithDatabase(cfg.DatabaseURL, name); err != nil {
			return nil, err
		}
		prefix = "agbench:" + randomHex(6) + ":"
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if derr := pg.DropDatabase(dctx, cfg.DatabaseURL, name); derr != nil {
				err = errors.Join(err, fmt.Errorf("drop %s: %w", name, derr))
			}
		}()
	}
	pool, err := pg.Connect(ctx, dbURL, int32(cfg.Producers)+2)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	if err := pg.Migrate(ctx, pool); err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()

	fx, err := setupFixture(ctx, pool, cfg.Executions)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if cerr := fx.cleanup(cctx, pool); cerr != nil {
			err = errors.Join(err, fmt.Errorf("delete bench data: %w", cerr))
		}
	}()
	pub := events.NewPublisher(rdb, prefix)
	// Each phase uses the first n runs of the fixture.
	newProd := func(f *fixture) *producer {
		return newProducer(pool, pub, f.execs, cfg.Rate, min(cfg.Producers, len(f.execs)))
	}
	phases := make([]*fixture, len(cfg.Spreads))
	for i, n := range cfg.Spreads {
		phases[i] = &fixture{userID: fx.userID, apiKey: fx.apiKey, execs: fx.execs[:n]}
	}

	if !cfg.NoBaseline {
		cfg.Logger.Info("baseline: redis hop alone", "rate", cfg.Rate, "duration", cfg.Duration)
		d, _, err := redisHop(ctx, rdb, prefix, newProd(phases[0]), cfg.Duration)
		if err != nil {
			return res, fmt.Errorf("baseline: %w", err)
		}
		res.Baseline = &d
	}

	for _, f := range phases {
		err = withServer(ctx, cfg, dbURL, prefix, func(srv *server) error {
			l, err := runLatency(ctx, cfg, srv, f, newProd(f))
			if l != nil {
				res.Latency = append(res.Latency, l)
			}
			return err
		})
		if err != nil {
			return res, fmt.Errorf("latency: %w", err)
		}
	}
	if cfg.Idle > 0 {
		err = withServer(ctx, cfg, dbURL, prefix, func(srv *server) error {
			var err error
			res.Memory, err = runIdle(ctx, cfg, srv, fx, cfg.Idle)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("idle memory: %w", err)
		}
	}
	return res, nil
}

// withServer runs fn against the external server, or a freshly launched one
// that is stopped afterwards.
func withServer(ctx context.Context, cfg Config, dbURL, prefix string, fn func(*server) error) error {
	if cfg.URL != "" {
		return fn(external(cfg.URL))
	}
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": cfg.RedisURL, "REDIS_PREFIX": prefix}
	pprofAddr := ""
	if cfg.ServerProfile != "" {
		var err error
		if pprofAddr, err = FreeLoopbackAddr(); err != nil {
			return err
		}
		env["PPROF_ADDR"] = pprofAddr
	}
	srv, err := startServer(ctx, cfg.Binary, env, cfg.Logger)
	if err != nil {
		return err
	}
	defer srv.stop()
	srv.pprofAddr = pprofAddr
	cfg.Logger.Info("server up", "addr", srv.base, "pid", srv.pid())
	return fn(srv)
}
