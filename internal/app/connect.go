package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// Deps are the connections every long-running process needs.
type Deps struct {
	Config config.Config
	Pool   *pgxpool.Pool
	Store  *db.Store
	Blocks *blocks.Registry
	Redis  *redis.Client
}

// Connect opens Postgres (creating and migrating the database) and Redis,
// and syncs the block registry. Each failure is one clear error naming the
// service and where it was looked for; nothing is left half-open.
func Connect(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Deps, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("invalid REDIS_URL: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pool, err := pg.Connect(cctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	if err := pg.Migrate(cctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	d := &Deps{Config: cfg, Pool: pool, Store: db.New(pool), Blocks: blocks.Builtin()}
	if err := graphs.New(d.Store, d.Blocks).SyncBlocks(cctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("syncing blocks: %w", err)
	}
	d.Redis = redis.NewClient(opt)
	if err := d.Redis.Ping(cctx).Err(); err != nil {
		pool.Close()
		_ = d.Redis.Close()
		return nil, fmt.Errorf("redis at %s unreachable: %v", opt.Addr, err)
	}
	logger.Info("connected", "postgres", "ok", "redis", opt.Addr, "blocks", len(d.Blocks.All()))
	return d, nil
}

// Ready reports whether Postgres and Redis answer now.
func (d *Deps) Ready(ctx context.Context) error {
	if err := d.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := d.Redis.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Close closes the connections.
func (d *Deps) Close() {
	_ = d.Redis.Close()
	d.Pool.Close()
}
