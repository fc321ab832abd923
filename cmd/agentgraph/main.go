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

	"github.com/agentgraph/agentgraph/internal/logging"
)

const usage = `agentgraph — AI-agent workflow platform (GraphQL API + engine)

Usage:
  agentgraph serve [--workers N] [--max-nodes N] [--per-user N]
                                          GraphQL API on LISTEN_ADDR (default :8080) with engine workers
                                          (--workers 0: API only)
  agentgraph worker [--workers N] [--max-nodes N] [--per-user N]
                                          engine workers only, for scaling out
  agentgraph migrate up|status            apply or list database migrations
  agentgraph user create --email E [--name N] [--role USER|ADMIN|MODERATOR|DEVELOPER]
                                          create a user and print a new API key (shown once)
  agentgraph import FILE --user EMAIL [--name N]
                                          store an AutoGPT agent export (FILE, or - for standard input) as
                                          graphs of that user and print the compatibility report (docs/autogpt.md)

serve and worker take the same flags (defaults: WORKERS or 64, MAX_NODES or 128, MAX_RUNS_PER_USER or no
limit). serve answers /metrics, /healthz and /readyz on its API address; with ADMIN_ADDR set (e.g.
127.0.0.1:9090), serve and worker also answer them there, on a listener of their own.

Configuration comes from the environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX, LISTEN_ADDR, ADMIN_ADDR,
PPROF_ADDR, ENCRYPTION_KEY, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, ALLOWED_ORIGINS, WORKERS, MAX_NODES,
MAX_AI_NODES, MAX_RUNS_PER_USER, MAX_NODE_EXECUTIONS_PER_RUN, RUN_TIMEOUT, NODE_TIMEOUT, LEASE_DURATION,
SHUTDOWN_GRACE, DB_MAX_CONNS, ALLOW_PRIVATE_NETWORK, LOG_FORMAT, LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT and the
other OTEL_* variables (README.md, "Configuration" and "Logs and traces").
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	logger, err := logging.FromEnv(os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "agentgraph: %v\n", err)
		os.Exit(1)
	}
	slog.SetDefault(logger) // for the few places without an injected logger
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

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
	case "import":
		err = importCmd(ctx, args)
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
