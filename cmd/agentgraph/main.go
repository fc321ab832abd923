// Command agentgraph is the whole platform in one binary: the GraphQL API
// server with in-process engine workers (serve), engine-only workers for
// scaling out (worker), migrations and user administration. The benchmarks
// are a command of their own, cmd/agentgraph-bench.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `agentgraph — AI-agent workflow platform (GraphQL API + engine)

Usage:
  agentgraph serve [--workers N]          GraphQL API on LISTEN_ADDR (default :8080) with engine workers
  agentgraph worker [--workers N]         engine workers only, for scaling out
  agentgraph migrate up|status            apply or list database migrations
  agentgraph user create --email E [--name N] [--role USER|ADMIN|MODERATOR|DEVELOPER]
                                          create a user and print a new API key (shown once)

Configuration comes from the environment: DATABASE_URL, REDIS_URL, LISTEN_ADDR, ENCRYPTION_KEY,
JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, ALLOWED_ORIGINS, WORKERS, LEASE_DURATION, SHUTDOWN_GRACE.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = serveCmd(ctx, logger, args)
	case "worker":
		err = workerCmd(ctx, logger, args)
	case "migrate":
		err = migrateCmd(ctx, args)
	case "user":
		err = userCmd(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "agentgraph: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		// One clear line saying what failed; the process exits non-zero.
		fmt.Fprintf(os.Stderr, "agentgraph %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
