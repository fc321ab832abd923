package main

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/blocks"
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
}

func connect(ctx context.Context, logger *slog.Logger) (*deps, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	return connectWith(ctx, cfg, logger)
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

func (d *deps) close() { d.app.Close() }
