package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/pg"
)

// processConfig is the config of a process that runs the engine (serve,
// worker): the environment, overridden by the engine flags both take.
func processConfig(name string, args []string) (config.Config, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return cfg, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.EngineFlags(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, fmt.Errorf("%v (usage: %s %s)", err, name, config.EngineUsage)
	}
	return cfg, nil
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

// migratedStore is a store on a small pool (openPool) with every migration
// applied, for the one-shot commands that write (user, import); close
// releases the pool.
func migratedStore(ctx context.Context) (*db.Store, func(), error) {
	pool, err := openPool(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := pg.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return db.New(pool), pool.Close, nil
}
