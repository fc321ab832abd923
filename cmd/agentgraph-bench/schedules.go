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
)

const benchSchedulesUsage = "schedules [--server PATH] [--schedules 10000] [--duration 2m] [--spread] [--workers 64] [--idle 30s]"

// benchSchedulesCmd measures schedule firing (BENCHMARKS.md, "Triggers"):
// every occurrence of every-minute schedules fired exactly once by two
// `agentgraph worker` processes it launches, how late, and an idle
// scheduler's CPU. It fails only when an occurrence was missed or fired
// twice; missed targets are reported, not errors.
func benchSchedulesCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("schedules", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("schedules", 10000, "active schedules, each firing once a minute")
	dur := fs.Duration("duration", 2*time.Minute, "the firing window")
	spread := fs.Bool("spread", false, `give schedule i the cron "i%60 * * * * *" (once a minute at its own second) instead of "* * * * *"`)
	workers := fs.Int("workers", 64, "engine workers of each worker process")
	idle := fs.Duration("idle", 30*time.Second, "the idle-CPU window (0 skips it)")
	server := fs.String("server", "", "the agentgraph binary to launch (default: agentgraph beside this binary, else built from this module)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: %s)", err, benchSchedulesUsage)
	}
	if *dur < time.Minute && !*spread {
		// Every schedule fires at second 0 of a minute: a shorter window may
		// hold no occurrence, which would read as "not fired exactly once".
		return fmt.Errorf("--duration %s: at least 1m, or --spread (usage: %s)", *dur, benchSchedulesUsage)
	}
	if *idle == 0 {
		*idle = -1
	}
	env, cleanup, err := triggerEnv(ctx, *server, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	res, err := triggerbench.RunSchedules(ctx, triggerbench.ScheduleConfig{Env: env, Schedules: *n, Duration: *dur,
		Spread: *spread, Workers: *workers, Idle: *idle})
	if res != nil {
		res.Print(os.Stdout)
	}
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New("occurrences were not each fired exactly once")
	}
	return nil
}
