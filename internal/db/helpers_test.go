package db_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// bundle is what a store test works with.
type bundle struct {
	t     *testing.T
	ctx   context.Context
	store *db.Store
	pool  *pgxpool.Pool // for what a test sets up or checks in SQL
}

// setup gives a test a store on the package's database, where tests create
// their own users and read only what they made. A test that reads a whole
// table (claims, counts, a list of everything) asks for a database of its own.
func setup(t *testing.T, ownDatabase bool) *bundle {
	t.Helper()
	pool := testenv.Postgres(t)
	if ownDatabase {
		pool, _ = testenv.NewDatabase(t, 4)
	}
	b := &bundle{t: t, ctx: context.Background(), store: db.New(pool), pool: pool}
	require.NoError(t, b.store.BlockSync(b.ctx, testBlocks))
	return b
}

// The blocks test graphs are made of (BlockSync is idempotent).
var (
	blockA     = uuid.MustParse("5e1f0c2a-7d3b-4c1e-9a55-0d7e6b2c1a01")
	blockB     = uuid.MustParse("5e1f0c2a-7d3b-4c1e-9a55-0d7e6b2c1a02")
	blockHook  = uuid.MustParse("5e1f0c2a-7d3b-4c1e-9a55-0d7e6b2c1a03")
	testBlocks = []db.BlockDescriptor{
		{ID: blockHook, Name: "StoreTestWebhookBlock", Type: "WEBHOOK", Categories: []string{"INPUT"},
			InputSchema: json.RawMessage(`{}`), OutputSchema: json.RawMessage(`{}`)},
		{ID: blockA, Name: "StoreTestSourceBlock", Type: "STANDARD", Categories: []string{"BASIC"},
			InputSchema: json.RawMessage(`{}`), OutputSchema: json.RawMessage(`{}`)},
		{ID: blockB, Name: "StoreTestSinkBlock", Type: "OUTPUT", Categories: []string{"OUTPUT"},
			InputSchema: json.RawMessage(`{}`), OutputSchema: json.RawMessage(`{}`)},
	}
)

func (b *bundle) user() *model.User {
	b.t.Helper()
	u, err := b.store.UserCreate(b.ctx, db.NewUser{Email: "u" + testenv.RandomSuffix(6) + "@example.com"})
	require.NoError(b.t, err)
	return u
}

// spec is a two-node graph: a's output feeds b's input.
func spec(name string) *model.GraphSpec {
	return &model.GraphSpec{Name: name,
		Nodes: []model.NodeSpec{{Key: "a", BlockID: blockA.String(), InputDefault: map[string]any{"v": 1.0}},
			{Key: "b", BlockID: blockB.String(), Label: "sink"}},
		Links: []model.LinkSpec{{SourceKey: "a", SourceName: "out", SinkKey: "b", SinkName: "in"}}}
}

func (b *bundle) graph(u *model.User) *model.FullGraph {
	b.t.Helper()
	g, err := b.store.GraphSaveSpec(b.ctx, u.ID, spec("g-"+testenv.RandomSuffix(4)), db.GraphSave{})
	require.NoError(b.t, err)
	return g
}

// queued stores a QUEUED top-level run of g.
func (b *bundle) queued(u *model.User, g *model.FullGraph) *model.GraphExecution {
	b.t.Helper()
	e, err := b.store.ExecutionInsert(b.ctx, db.NewExecution{ID: uuid.New(), GraphID: g.ID, GraphVersion: g.Version,
		UserID: u.ID, Inputs: map[string]any{"x": "y"}})
	require.NoError(b.t, err)
	return e
}

// running stores a run already claimed by owner (RUNNING, seq 2).
func (b *bundle) running(u *model.User, g *model.FullGraph, owner string) *model.GraphExecution {
	b.t.Helper()
	_, cl, err := b.store.ExecutionInsertClaimed(b.ctx, []db.NewExecution{{ID: uuid.New(), GraphID: g.ID,
		GraphVersion: g.Version, UserID: u.ID}}, owner, 30)
	require.NoError(b.t, err)
	return cl[0].Exec
}

func ids[T any](xs []T, id func(T) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// nowFromDB is the server's clock, for rows whose times the server compares.
func (b *bundle) nowFromDB() time.Time {
	b.t.Helper()
	var now time.Time
	require.NoError(b.t, b.pool.QueryRow(b.ctx, "SELECT now()").Scan(&now))
	return now
}

// normalized re-encodes the nodes' JSON, which Postgres stores as jsonb
// (so `{"v":1}` reads back as `{"v": 1}`), for comparing nodes as written
// with nodes as read.
func normalized(nodes []model.Node) []model.Node {
	out := make([]model.Node, len(nodes))
	for i, n := range nodes {
		n.InputDefault, n.Metadata = compactJSON(n.InputDefault), compactJSON(n.Metadata)
		out[i] = n
	}
	return out
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, _ := json.Marshal(v)
	return b
}
