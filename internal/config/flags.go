package config

import (
	"flag"
	"fmt"
)

// EngineUsage is the flags EngineFlags binds, for usage lines.
const EngineUsage = "[--workers N] [--max-nodes N] [--per-user N]"

// EngineFlags binds the engine's command-line flags onto c, each defaulting
// to its environment value: serve and worker take the same flags, so a
// setting never means one thing in one command and another in the other.
// Call CheckEngine after parsing.
func (c *Config) EngineFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Workers, "workers", c.Workers, "concurrent runs this process executes (WORKERS; 0 in serve = API only)")
	fs.IntVar(&c.MaxNodes, "max-nodes", c.MaxNodes, "blocks running at once in this process (MAX_NODES; 0 = 128)")
	fs.IntVar(&c.MaxRunsPerUser, "per-user", c.MaxRunsPerUser, "running runs per user across all workers (MAX_RUNS_PER_USER; 0 = no limit)")
}

// CheckEngine refuses what a flag could set but the environment could not.
func (c *Config) CheckEngine() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"--workers", c.Workers}, {"--max-nodes", c.MaxNodes}, {"--per-user", c.MaxRunsPerUser}} {
		if f.v < 0 {
			return fmt.Errorf("%s must be a non-negative integer, got %d", f.name, f.v)
		}
	}
	return nil
}
