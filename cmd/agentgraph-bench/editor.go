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

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/editorbench"
	"github.com/agentgraph/agentgraph/internal/config"
)

const benchEditorUsage = "editor [--server PATH] [--duration 10s] [--clients 10] [--rounds 1] [--nodes 500] [--links 600] [--count 20] [--cpuprofile FILE] [--against PATH] [--keep]"

// benchEditorCmd measures the visual editor's one request (BENCHMARKS.md,
// "the editor query"): the editor query over HTTP against a launched
// `agentgraph serve`, next to Postgres building the same JSON in one
// statement under pgbench. It fails when pgbench is missing or an answer
// was wrong; missed targets are reported, not errors.
func benchEditorCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("editor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dur := fs.Duration("duration", 10*time.Second, "how long each phase (agentgraph, baseline) runs")
	clients := fs.Int("clients", 10, "concurrent clients of each phase (pgbench -c)")
	rounds := fs.Int("rounds", 1, "phases run alternately this many times each")
	nodes := fs.Int("nodes", 500, "nodes of the graph")
	links := fs.Int("links", 600, "links of the graph")
	count := fs.Int("count", 20, "sequential editor requests the SQL statements are counted over")
	workers := fs.Int("workers", 8, "the server's engine workers (they run the graph once)")
	cpuprofile := fs.String("cpuprofile", "", "write the server's CPU profile during the first agentgraph phase to this file")
	against := fs.String("against", "", "another agentgraph binary (e.g. the main branch's build) whose editor answer on the same data must be byte for byte the same")
	keep := fs.Bool("keep", false, "leave the bench's database in place (its URL is logged) to look into the data afterwards")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchEditorUsage)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	bin, cleanup, err := serverBinary(ctx, *server, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := editorbench.Run(ctx, editorbench.Config{Binary: bin, DatabaseURL: cfg.DatabaseURL, RedisURL: cfg.RedisURL,
		Logger: logger, Nodes: *nodes, Links: *links, Clients: *clients, Duration: *dur, Rounds: *rounds,
		Workers: *workers, Count: *count, CPUProfile: *cpuprofile, Against: *against, Keep: *keep})
	if res != nil && len(res.Baseline) > 0 {
		res.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	if res.Failed() > 0 {
		return errors.New("some editor answers failed or differed from the first")
	}
	if *against != "" && !res.AgainstSame {
		return fmt.Errorf("the answer of %s differs from this build's", *against)
	}
	return nil
}
