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

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/refreshbench"
	"github.com/agentgraph/agentgraph/internal/config"
)

const benchRefreshUsage = "refresh [--processes 3] [--nodes 50] [--rounds 20] [--baseline 5] [--resolves 500] [--rtt 20ms]"

// benchRefreshCmd measures issue 13's refresh figure (BENCHMARKS.md,
// "Integrations"): node runs in --processes real processes (this binary,
// launched as refresh-node) resolve one credential due for refresh at the
// same moment against an OAuth2 provider stub with a fixed round trip. It
// fails when a round made other than exactly one refresh request; a missed
// latency target is reported, not an error.
func benchRefreshCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("refresh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	procs := fs.Int("processes", 3, "node processes")
	nodes := fs.Int("nodes", 50, "node runs per round, spread over the processes")
	rounds := fs.Int("rounds", 20, "rounds with the credential due for refresh")
	baseline := fs.Int("baseline", 5, "rounds before them with no refresh due (warm-up and baseline)")
	resolves := fs.Int("resolves", 500, "resolves one at a time, no refresh due (the resolve figure)")
	rtt := fs.Duration("rtt", 20*time.Millisecond, "the provider stub's round trip for a refresh")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchRefreshUsage)
	}
	if *procs < 1 || *nodes < *procs || *rounds < 1 || *baseline < 1 || *resolves < 1 {
		return fmt.Errorf("need processes ≥ 1, nodes ≥ processes, rounds ≥ 1, baseline ≥ 1, resolves ≥ 1 (usage: %s)", benchRefreshUsage)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res, err := refreshbench.Run(ctx, refreshbench.Config{Binary: self, DatabaseURL: cfg.DatabaseURL, Processes: *procs,
		Nodes: *nodes, Rounds: *rounds, Baseline: *baseline, Resolves: *resolves, RoundTrip: *rtt, Logger: logger})
	if res != nil {
		res.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New("a round did not make exactly one refresh request")
	}
	return nil
}
