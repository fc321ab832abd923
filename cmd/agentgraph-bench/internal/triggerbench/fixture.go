// Package triggerbench measures the triggers (issue 14's figures): signed
// webhook deliveries accepted per second by a real `agentgraph serve`, and
// schedules fired exactly once and on time by two `agentgraph worker`
// processes, each on a fresh database that is dropped afterwards, checked
// afterwards in Postgres. `agentgraph-bench webhooks` and `schedules` are
// its command lines.
package triggerbench

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Env is what every trigger bench needs: the agentgraph binary to launch
// and the base settings its processes derive theirs from.
type Env struct {
	Binary      string
	DatabaseURL string // the server's; the bench creates its own database there
	RedisURL    string
	Logger      *slog.Logger
}

// fixture is one user and one graph of theirs, created as the API would.
type fixture struct {
	store   *db.Store
	userID  uuid.UUID
	graph   *model.FullGraph
	version int
}

// newFixture syncs the block library (the graph's nodes reference it, and
// no server has run on the fresh database yet), then creates a user and
// the graph nodes/links describe, validated like any user graph.
func newFixture(ctx context.Context, pool *pgxpool.Pool, name string, nodes []model.NodeSpec, links []model.LinkSpec) (*fixture, error) {
	store := db.New(pool)
	reg := blocks.Builtin()
	svc := graphs.New(store, reg)
	if err := svc.SyncBlocks(ctx); err != nil {
		return nil, fmt.Errorf("sync blocks: %w", err)
	}
	for i, n := range nodes {
		b, ok := reg.ByName(n.BlockID)
		if !ok {
			return nil, fmt.Errorf("no block %s", n.BlockID)
		}
		nodes[i].BlockID = b.Info().ID
	}
	u, err := store.UserCreate(ctx, db.NewUser{Email: name + "-" + livebench.RandomHex(6) + "@example.com"})
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	g, err := svc.Create(ctx, u.ID, &model.GraphSpec{Name: name, Nodes: nodes, Links: links})
	if err != nil {
		return nil, fmt.Errorf("create graph: %w", err)
	}
	return &fixture{store: store, userID: u.ID, graph: g, version: g.Version}, nil
}
