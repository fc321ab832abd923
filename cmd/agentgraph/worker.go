package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/agentgraph/agentgraph/internal/app"
)

// workerCmd runs engine workers only (no API), for scaling out: any number
// of them share one Postgres (the queue) and one Redis (events). With
// ADMIN_ADDR set it serves /metrics, /healthz and /readyz there. SIGINT or
// SIGTERM stops claiming, lets running blocks finish for SHUTDOWN_GRACE and
// hands the rest back to the other workers.
func workerCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	cfg, err := processConfig("worker", args)
	if err != nil {
		return err
	}
	if cfg.Workers == 0 {
		return fmt.Errorf("--workers must be at least 1")
	}
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		return err
	}
	logger.Info("worker running", "owner", a.Engine.Owner(), "runs", cfg.Workers, "lease", cfg.LeaseDuration)
	<-ctx.Done()
	logger.Info("worker stopping", "grace", cfg.ShutdownGrace)
	a.Stop()
	return nil
}
