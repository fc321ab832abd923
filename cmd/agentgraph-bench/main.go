// Command agentgraph-bench holds agentgraph's benchmarks, kept out of the
// product binary (BENCHMARKS.md): `engine` measures the engine's throughput
// and latency in this process, `live` the live updates' latency and memory
// per subscription against an `agentgraph serve` it launches, `webhooks`
// and `schedules` the triggers against agentgraph processes they launch,
// `ai` the AI blocks' figures against a provider stub, `api` runs submitted
// and followed through the API against the in-process engine, `editor` the
// visual editor's one request against Postgres building the same JSON alone,
// `refresh` one OAuth2 credential refreshed for node runs in processes it
// launches, `alerts` how soon an alert whose condition became true is
// notified.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/refreshbench"
)

const usage = `agentgraph-bench — agentgraph's benchmarks (see BENCHMARKS.md)

Usage:
  agentgraph-bench engine [flags]   engine throughput and latency: chains, fan-outs, naive one-commit baseline
  agentgraph-bench live [flags]     live-update latency (commit → websocket) and server memory per subscription;
                                    launches the agentgraph beside this binary as the server (or --server PATH)
  agentgraph-bench webhooks [flags] signed webhook deliveries accepted per second (202) and their latency, against
                                    a launched serve with workers; checks each became exactly one completed run
  agentgraph-bench schedules [flags] 10,000 every-minute schedules fired by two launched workers: exactly once,
                                    lateness, and an idle scheduler's CPU
  agentgraph-bench ai [flags]       AI blocks (issue 12): 2,000 model calls in flight on one engine against a 2 s
                                    provider stub, a plain chain's p50 meanwhile, memory per call, first token →
                                    subscriber, the block's overhead beyond the provider's time
  agentgraph-bench api [flags]      runs through the API (issue 11): 20 clients submit 22-node runs with executeGraph
                                    and follow each to its end over a subscription, against a launched serve with
                                    workers; then the in-process engine's figures and the ratio
  agentgraph-bench editor [flags]   the editor's one request (issue 11) on a 500-node graph built through the API, at
                                    10 concurrent clients, against Postgres building the same JSON in one statement
                                    (pgbench): the ratio, server CPU and SQL statements per request
  agentgraph-bench refresh [flags]  credential refresh (issue 13): 50 node runs in 3 processes it launches need one
                                    OAuth2 credential due for refresh at once, against a provider stub with a fixed
                                    round trip: refresh requests at the provider, the waiting nodes' added latency
  agentgraph-bench alerts [flags]   alerting (issue 17): rules that are true from the start, created one at a time
                                    at random phases of ALERT_INTERVAL: time until the local receiver gets the signed
                                    webhook POST (the evaluator runs in this process on a fresh database)

They use DATABASE_URL, REDIS_URL and REDIS_PREFIX, like agentgraph; BENCHMARKS.md lists their flags.
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
	case "engine":
		err = benchCmd(ctx, logger, args)
	case "live":
		err = benchLiveCmd(ctx, logger, args)
	case "webhooks":
		err = benchWebhooksCmd(ctx, logger, args)
	case "schedules":
		err = benchSchedulesCmd(ctx, logger, args)
	case "ai":
		err = benchAICmd(ctx, logger, args)
	case "api":
		err = benchAPICmd(ctx, logger, args)
	case "editor":
		err = benchEditorCmd(ctx, logger, args)
	case "refresh":
		err = benchRefreshCmd(ctx, logger, args)
	case refreshbench.NodeCommand: // refresh's node processes, not for people
		err = refreshbench.Node(ctx, args, os.Stdin, os.Stdout)
	case "alerts":
		err = benchAlertsCmd(ctx, logger, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "agentgraph-bench: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "agentgraph-bench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
