package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// deps are the connections every long-running command needs.
type deps struct {
	cfg   config.Config
	pool  *pgxpool.Pool
	store *db.Store
	reg   *blocks.Registry
	rdb   *redis.Client
}

// connect opens Postgres (creating and migrating the database) and Redis,
// and syncs the block registry. Each failure is one clear error naming the
// service and where it was looked for; nothing is left half-open.
func connect(ctx context.Context, logger *slog.Logger) (*deps, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
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
	d := &deps{cfg: cfg, pool: pool, store: db.New(pool), reg: blocks.Builtin()}
	if err := graphs.New(d.store, d.reg).SyncBlocks(cctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("syncing blocks: %w", err)
	}
	d.rdb = redis.NewClient(opt)
	if err := d.rdb.Ping(cctx).Err(); err != nil {
		pool.Close()
		_ = d.rdb.Close()
		return nil, fmt.Errorf("redis at %s unreachable: %v", opt.Addr, err)
	}
	logger.Info("connected", "postgres", "ok", "redis", opt.Addr, "blocks", len(d.reg.All()))
	return d, nil
}

// openPool opens a small pool on DATABASE_URL for one-shot commands
// (migrate, user), creating the database when it is missing.
func openPool(ctx context.Context) (*pgxpool.Pool, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	return pg.Connect(ctx, cfg.DatabaseURL, 2)
}

// credentials builds the credential service from ENCRYPTION_KEY (without a
// key, credentials can be neither stored nor used, and the service says so).
func (d *deps) credentials(logger *slog.Logger) (*credentials.Service, error) {
	cipher, err := credentials.NewCipher(d.cfg.EncryptionKey)
	if err != nil {
		return nil, err
	}
	if cipher == nil {
		logger.Warn("ENCRYPTION_KEY is not set: integration credentials cannot be stored or used")
	}
	return credentials.NewService(d.store, cipher), nil
}

func (d *deps) close() {
	_ = d.rdb.Close()
	d.pool.Close()
}
