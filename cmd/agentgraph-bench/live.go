package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/config"
)

const benchLiveUsage = "live [--server PATH] [--subscribers 1000] [--executions N] [--rate 1000] [--duration 10s] [--idle 10000] [--no-baseline] [--server-profile F] [--url http://127.0.0.1:8080]"

// benchLiveCmd measures live updates (BENCHMARKS.md, "Live updates"): commit
// → websocket latency with exactly-once delivery checked, and server memory
// per idle subscription. It launches the agentgraph binary (serverBinary) as
// the server unless --url points at one (which must share DATABASE_URL and REDIS_PREFIX). It
// fails only when events were lost or duplicated; missed targets are
// reported, not errors.
func benchLiveCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("live", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	subs := fs.Int("subscribers", 1000, "websocket subscriptions in the latency phase (one connection each)")
	execs := fs.Int("executions", 0, "running executions the subscribers are spread over (default: two phases, one and ten subscribers per run)")
	rate := fs.Int("rate", 1000, "events per second committed and published")
	dur := fs.Duration("duration", 10*time.Second, "how long to produce events")
	idle := fs.Int("idle", 10000, "idle subscriptions for the memory phase (0 skips it)")
	noBaseline := fs.Bool("no-baseline", false, "skip the Redis-hop baseline")
	url := fs.String("url", "", "use this running server (on 127.0.0.1) instead of launching one")
	server := fs.String("server", "", "the agentgraph binary to launch as the server (default: agentgraph beside this binary, else built from this module)")
	serverProfile := fs.String("server-profile", "", "write the launched server's CPU profile over each latency phase's producing window to F.<subscribers per run>, its heap profile with the idle subscriptions open to F.heap")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the bench process (its clients and producer) to this file")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchLiveUsage)
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	bin := ""
	if *url == "" {
		var cleanup func()
		if bin, cleanup, err = serverBinary(ctx, *server, logger); err != nil {
			return err
		}
		defer cleanup()
	}
	res, err := livebench.Run(ctx, livebench.Config{
		Subscribers: *subs, Executions: *execs, Rate: *rate, Duration: *dur, Idle: *idle, NoBaseline: *noBaseline,
		ServerProfile: *serverProfile,
		URL:           *url, Binary: bin, DatabaseURL: cfg.DatabaseURL, RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix,
		Logger: logger,
	})
	if res != nil {
		res.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	for _, l := range res.Latency {
		if !l.OK() {
			return fmt.Errorf("events not delivered exactly once (%d runs): %d lost, %d duplicated, %d subscriptions failed",
				l.Executions, l.Lost, l.Duplicated, l.Failed)
		}
	}
	return nil
}
