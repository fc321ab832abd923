package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/events"
)

// workerCmd runs engine workers only (no HTTP), for scaling out: any number
// of them share one Postgres (the queue) and one Redis (events). SIGINT or
// SIGTERM stops claiming, lets running blocks finish for SHUTDOWN_GRACE and
// hands the rest back to the other workers.
func workerCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	workers := fs.Int("workers", -1, "concurrent runs this process executes (default WORKERS or 64)")
	maxNodes := fs.Int("max-nodes", 0, "blocks running at once (default 128)")
	perUser := fs.Int("per-user", 0, "running runs per user across all workers (0 = no limit)")
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(engine.WorkerGCPercent)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: worker [--workers N] [--max-nodes N] [--per-user N])", err)
	}
	d, err := connect(ctx, logger)
	if err != nil {
		return err
	}
	defer d.close()
	if *workers >= 0 {
		d.cfg.Workers = *workers
	}
	if d.cfg.Workers == 0 {
		return fmt.Errorf("--workers must be at least 1")
	}
	creds, err := d.credentials(logger)
	if err != nil {
		return err
	}
	eng := engine.New(d.store, d.reg, events.NewPublisher(d.rdb, d.cfg.RedisPrefix), logger, engine.Options{
		MaxRuns: d.cfg.Workers, MaxNodes: *maxNodes, MaxRunsPerUser: cmp.Or(*perUser, d.cfg.MaxRunsPerUser),
		MaxNodeExecutions: d.cfg.MaxNodeExecs,
		LeaseDuration:     d.cfg.LeaseDuration, ShutdownGrace: d.cfg.ShutdownGrace,
		RunTimeout: d.cfg.RunTimeout, NodeTimeout: d.cfg.NodeTimeout, Credentials: creds.ForRun,
		AllowPrivateNetwork: d.cfg.AllowPrivateNetwork,
	})
	if err := eng.Start(ctx); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	logger.Info("worker running", "owner", eng.Owner(), "runs", d.cfg.Workers, "lease", d.cfg.LeaseDuration)
	<-ctx.Done()
	logger.Info("worker stopping", "grace", d.cfg.ShutdownGrace)
	eng.Stop()
	return nil
}
