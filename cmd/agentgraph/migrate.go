package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/agentgraph/agentgraph/internal/pg"
)

// migrateCmd: `migrate up` applies pending migrations; `migrate status` lists them.
func migrateCmd(ctx context.Context, args []string) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		return fmt.Errorf("usage: agentgraph migrate up|status")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	pool, err := openPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	if args[0] == "up" {
		if err := pg.Migrate(ctx, pool); err != nil {
			return err
		}
	}
	st, err := pg.Status(ctx, pool)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSTATE\tFILE")
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(w, "%05d\t%s\t%s\n", s.Version, state, s.Source)
	}
	return w.Flush()
}
