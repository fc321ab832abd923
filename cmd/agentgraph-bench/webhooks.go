package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/triggerbench"
	"github.com/agentgraph/agentgraph/internal/config"
)

const benchWebhooksUsage = "webhooks [--server PATH] [--clients 32] [--duration 10s] [--workers 64]"

// benchWebhooksCmd measures webhook ingestion (BENCHMARKS.md, "Triggers"):
// signed deliveries accepted per second by an `agentgraph serve` it
// launches, and that each became exactly one completed run. It fails only
// when that check fails; missed targets are reported, not errors.
func benchWebhooksCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("webhooks", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.Int("clients", 32, "concurrent clients, one request in flight each (closed loop: rate = clients / mean latency, so 32 at 2,000/s means a 16 ms mean)")
	dur := fs.Duration("duration", 10*time.Second, "how long the clients post")
	workers := fs.Int("workers", 64, "the server's engine workers (they run the delivered runs meanwhile)")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchWebhooksUsage)
	}
	env, cleanup, err := triggerEnv(ctx, *server, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := triggerbench.RunWebhooks(ctx, triggerbench.WebhookConfig{Env: env, Clients: *clients, Duration: *dur, Workers: *workers})
	if res != nil {
		res.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New("accepted deliveries did not each become exactly one completed run")
	}
	return nil
}

// triggerEnv finds the binary to launch and the base settings.
func triggerEnv(ctx context.Context, server string, logger *slog.Logger) (triggerbench.Env, func(), error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return triggerbench.Env{}, nil, err
	}
	bin, cleanup, err := serverBinary(ctx, server, logger)
	if err != nil {
		return triggerbench.Env{}, nil, err
	}
	return triggerbench.Env{Binary: bin, DatabaseURL: cfg.DatabaseURL, RedisURL: cfg.RedisURL, Logger: logger}, cleanup, nil
}
