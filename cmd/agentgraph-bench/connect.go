package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/app"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/db"
)

// deps are the connections the engine benchmark uses, opened by
// app.Connect exactly as serve and worker open theirs (same pool size,
// migrations and block sync), so the bench measures the product's setup.
type deps struct {
	cfg   config.Config
	pool  *pgxpool.Pool
	store *db.Store
	reg   *blocks.Registry
	rdb   *redis.Client
	app   *app.Deps
	drop  func() error // drops the fresh database (connectFresh)
}

// connectFresh opens the deps on a fresh database of their own, created on
// the server DATABASE_URL names and dropped by close. A bench that wrote into
// the database it was given measured a little slower each time it ran on
// it: a Postgres with autovacuum off (this machine's: conf.d/90-ci.conf)
// keeps every dead row of the runs' updates, and an AI bench run
// leaves some 70,000 (its database had 563,000 dead rows in
// graph_executions after a session's runs, and the chain under load took
// 350–800 ms instead of 20–40).
func connectFresh(ctx context.Context, bench string, logger *slog.Logger) (*deps, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	url, pool, drop, err := livebench.FreshDatabase(ctx, cfg.DatabaseURL, bench, 1)
	if err != nil {
		return nil, err
	}
	pool.Close()
	cfg.DatabaseURL = url
	d, err := connectWith(ctx, cfg, logger)
	if err != nil {
		return nil, errors.Join(err, drop())
	}
	d.drop = drop
	return d, nil
}

// connectWith is connect with the settings given rather than the
// environment's.
func connectWith(ctx context.Context, cfg config.Config, logger *slog.Logger) (*deps, error) {
	a, err := app.Connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	return &deps{cfg: cfg, pool: a.Pool, store: a.Store, reg: a.Blocks, rdb: a.Redis, app: a}, nil
}

func (d *deps) close() {
	d.app.Close()
	if d.drop != nil {
		if err := d.drop(); err != nil {
			slog.Warn("dropping the bench's database failed", "err", err)
		}
	}
}
