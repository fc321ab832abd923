package livebench

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// fixture is the data every phase subscribes to: one user (the runs' owner,
// the only one allowed to subscribe), one small graph and its RUNNING runs.
type fixture struct {
	userID uuid.UUID
	apiKey string
	execs  []execRef
}

// execRef is what the producer needs to make an engine-like event.
type execRef struct {
	id              uuid.UUID
	idStr, graphID  string
	userID, nodeID  string
	nodeExecutionID string
}

// setupFixture creates the user, its API key, a two-node graph (input →
// output, validated like any user graph) and n runs moved to RUNNING as a
// worker's claim would, so they are live but no engine touches them.
func setupFixture(ctx context.Context, pool *pgxpool.Pool, n int) (*fixture, error) {
	store := db.New(pool)
	reg := blocks.Builtin()
	in, _ := reg.ByName("AgentInputBlock")
	out, _ := reg.ByName("AgentOutputBlock")
	// The server syncs blocks at start-up too; the graph's nodes reference
	// them, and the bench sets up before any server runs.
	if err := graphs.New(store, reg).SyncBlocks(ctx); err != nil {
		return nil, fmt.Errorf("sync blocks: %w", err)
	}
	f := &fixture{}
	var err error
	if f.userID, f.apiKey, err = UserWithAPIKey(ctx, store, "livebench"); err != nil {
		return nil, err
	}
	g, err := graphs.New(store, reg).Create(ctx, f.userID, &model.GraphSpec{
		Name: "bench-live",
		Nodes: []model.NodeSpec{
			{Key: "in", BlockID: in.Info().ID, InputDefault: map[string]any{"name": "x"}},
			{Key: "out", BlockID: out.Info().ID, InputDefault: map[string]any{"name": "y"}},
		},
		Links: []model.LinkSpec{{SourceKey: "in", SourceName: "result", SinkKey: "out", SinkName: "value"}},
	})
	if err != nil {
		return nil, fmt.Errorf("create graph: %w", err)
	}
	ids := make([]uuid.UUID, n)
	err = store.InTx(ctx, func(tx *db.Store) error {
		for i := range ids {
			e, err := tx.ExecutionInsert(ctx, db.NewExecution{ID: uuid.New(), GraphID: g.ID,
				GraphVersion: g.Version, UserID: f.userID})
			if err != nil {
				return err
			}
			ids[i] = e.ID
		}
		return nil
	})
	if err == nil {
		// QUEUED→RUNNING is an event too (seq 2), as in the engine's claim.
		// The bench's server runs no engine, so nothing claims them between.
		_, err = pool.Exec(ctx, `UPDATE graph_executions SET status = 'RUNNING', started_at = now(),
			updated_at = now(), last_seq = last_seq + 1 WHERE id = ANY($1)`, ids)
	}
	if err != nil {
		return nil, fmt.Errorf("create executions: %w", err)
	}
	f.execs = make([]execRef, n)
	for i, id := range ids {
		f.execs[i] = execRef{id: id, idStr: id.String(), graphID: g.ID.String(), userID: f.userID.String(),
			nodeID: g.Nodes[len(g.Nodes)-1].ID.String(), nodeExecutionID: uuid.NewString()}
	}
	return f, nil
}

// UserWithAPIKey creates a user (email name-<random>@example.com) and an
// API key of theirs with every permission, in one transaction, and returns
// the key's secret.
func UserWithAPIKey(ctx context.Context, store *db.Store, name string) (uuid.UUID, string, error) {
	secret, prefix, hash := auth.NewAPIKey()
	var id uuid.UUID
	err := store.InTx(ctx, func(tx *db.Store) error {
		u, err := tx.UserCreate(ctx, db.NewUser{Email: name + "-" + randomHex(6) + "@example.com"})
		if err != nil {
			return err
		}
		id = u.ID
		_, err = tx.APIKeyCreate(ctx, u.ID, "agentgraph-bench "+name, prefix, hash)
		return err
	})
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("create user: %w", err)
	}
	return id, secret, nil
}

// cleanup deletes the user and, by cascade, its graph and runs: on a server
// we were only pointed at, RUNNING runs without a lease would otherwise be
// picked up by its engine workers as abandoned.
func (f *fixture) cleanup(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, "DELETE FROM users WHERE id = $1", f.userID)
	return err
}
