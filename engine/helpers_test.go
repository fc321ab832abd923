package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const waitFor = 30 * time.Second

// testRegistry is the built-in library plus blocks only tests use.
var testRegistry = sync.OnceValue(func() *blocks.Registry {
	reg, err := blocks.NewRegistry(append(blocks.BuiltinBlocks(), gateBlock(), panicBlock(), logBlock(), costBlock(), secondsCostBlock(), nulBlock(), credBlock(),
		paid1Block(), paid2Block(), yieldBlock())...)
	if err != nil {
		panic(err)
	}
	return reg
})

type env struct {
	t      testing.TB
	store  *db.Store
	pool   *pgxpool.Pool // for what tests set up or check in SQL
	reg    *blocks.Registry
	url    string
	eng    *Engine
	hub    *events.Hub
	rdb    *redis.Client
	pub    *events.Publisher
	prefix string
}

func (e *env) hubPrefix(*testing.T) string { return e.prefix }

// newEnv gives a test its own pool, Redis prefix, hub and started engine.
func newEnv(t testing.TB, opts Options) *env { return newEnvPublishing(t, opts, nil) }

// newEnvPublishing is newEnv whose engine publishes through wrap(the
// events.Publisher) when wrap is set.
func newEnvPublishing(t testing.TB, opts Options, wrap func(*events.Publisher) Publisher) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	// A database of its own: engines claim any runnable run of their
	// database, so tests running in parallel must not share one.
	pool, url := testenv.NewDatabase(t, 12)
	store := db.New(pool)
	reg := testRegistry()
	require.NoError(t, graphs.New(store, reg).SyncBlocks(ctx))
	rdb, prefix := testenv.Redis(t)
	hub := events.NewHub(rdb, prefix, nil, events.HubOptions{Buffer: 100000})
	require.NoError(t, hub.Start(ctx))
	t.Cleanup(hub.Stop)
	pub := events.NewPublisher(rdb, prefix)
	if opts.PollInterval == 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	var logger *slog.Logger
	if os.Getenv("ENGINE_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var enginePub Publisher = pub
	if wrap != nil {
		enginePub = wrap(pub)
	}
	eng := New(store, reg, enginePub, logger, opts)
	require.NoError(t, eng.Start(context.Background()))
	t.Cleanup(eng.Stop)
	return &env{t: t, store: store, pool: pool, reg: reg, eng: eng, hub: hub, rdb: rdb, pub: pub, prefix: prefix, url: url}
}

func (e *env) user(balance int64) *model.User {
	ctx := context.Background()
	u, err := e.store.UserCreate(ctx, db.NewUser{Email: fmt.Sprintf("u%s@example.com", uuid.NewString()[:12])})
	require.NoError(e.t, err)
	if balance > 0 {
		_, err = e.pool.Exec(ctx, "UPDATE user_credits SET balance = $2 WHERE user_id = $1", u.ID, balance)
		require.NoError(e.t, err)
		_, err = e.pool.Exec(ctx, `INSERT INTO credit_transactions (user_id, amount, transaction_type, balance_after)
			VALUES ($1, $2, 'PURCHASE', $2)`, u.ID, balance)
		require.NoError(e.t, err)
	}
	return u
}

// spec describes a graph by block names (like the case files).
type nspec struct {
	Key      string         `json:"key"`
	Block    string         `json:"block"`
	Defaults map[string]any `json:"input_default"`
}

type lspec struct {
	Source     string `json:"source"`
	SourceName string `json:"source_name"`
	Sink       string `json:"sink"`
	SinkName   string `json:"sink_name"`
	IsStatic   bool   `json:"is_static"`
}

func (e *env) modelSpec(nodes []nspec, links []lspec) *model.GraphSpec {
	spec := &model.GraphSpec{Name: "g-" + uuid.NewString()}
	for _, n := range nodes {
		b, ok := e.reg.ByName(n.Block)
		require.True(e.t, ok, "unknown block %s", n.Block)
		spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: n.Key, BlockID: b.Info().ID, InputDefault: n.Defaults})
	}
	for _, l := range links {
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: l.Source, SinkKey: l.Sink, SourceName: l.SourceName,
			SinkName: l.SinkName, IsStatic: l.IsStatic})
	}
	return spec
}

// graph stores a graph for user (no validation: tests build what they mean).
func (e *env) graph(user *model.User, nodes any, more ...[]lspec) *model.FullGraph {
	var ns []nspec
	var links []lspec
	switch v := nodes.(type) {
	case chain:
		ns, links = v.nodes, v.links
	case []nspec:
		ns = v
		if len(more) > 0 {
			links = more[0]
		}
	}
	fg, err := e.store.GraphSaveSpec(context.Background(), user.ID, e.modelSpec(ns, links), db.GraphSave{Activate: true})
	require.NoError(e.t, err)
	return fg
}

// watch follows every event of a graph's runs, subscribed before a run is
// submitted so no event can be missed. It listens to the execution channels
// directly (graph channels carry only GRAPH_STATUS).
type watch struct {
	e     *env
	graph string
	ps    *redis.PubSub
	evs   map[string][]events.Event
}

func (e *env) watch(graphID uuid.UUID) *watch {
	ps := e.rdb.PSubscribe(context.Background(), e.prefix+"exec:*")
	e.t.Cleanup(func() { _ = ps.Close() })
	_, err := ps.Receive(context.Background()) // the subscription is confirmed
	require.NoError(e.t, err)
	return &watch{e: e, graph: graphID.String(), ps: ps, evs: map[string][]events.Event{}}
}

// until collects events until execution id reaches a terminal GRAPH_STATUS
// (or, when pred is set, until pred holds) and returns the run from Postgres.
func (w *watch) until(id uuid.UUID, pred func(events.Event) bool) *model.GraphExecution {
	w.e.t.Helper()
	if pred == nil {
		pred = events.Event.Terminal
	}
	timeout := time.After(waitFor)
	for _, ev := range w.evs[id.String()] {
		if pred(ev) {
			return w.e.exec(id)
		}
	}
	msgs := w.ps.Channel(redis.WithChannelSize(100000))
	for {
		select {
		case m, ok := <-msgs:
			require.True(w.e.t, ok, "subscription closed")
			evs, err := events.Decode([]byte(m.Payload))
			require.NoError(w.e.t, err)
			for _, ev := range evs {
				if ev.GraphID != w.graph {
					continue
				}
				w.evs[ev.ExecutionID] = append(w.evs[ev.ExecutionID], *ev)
				if ev.ExecutionID == id.String() && pred(*ev) {
					return w.e.exec(id)
				}
			}
		case <-timeout:
			cur := w.e.exec(id)
			var seqs []string
			for _, ev := range w.evs[id.String()] {
				seqs = append(seqs, fmt.Sprintf("%d:%s:%s", ev.Seq, ev.Kind, ev.Status))
			}
			w.e.t.Fatalf("timed out waiting for execution %s (status %s, last_seq %d); events seen: %v", id, cur.Status, cur.LastSeq, seqs)
		}
	}
}

func (e *env) exec(id uuid.UUID) *model.GraphExecution {
	ex, err := e.store.ExecutionGet(context.Background(), id)
	require.NoError(e.t, err)
	return ex
}

// nodeRuns returns the run's node executions by node key.
func (e *env) nodeRuns(fg *model.FullGraph, id uuid.UUID) map[string][]model.NodeExecution {
	m, err := e.store.NodeExecutionsByExecutions(context.Background(), []uuid.UUID{id})
	require.NoError(e.t, err)
	keys := map[uuid.UUID]string{}
	for _, n := range fg.Nodes {
		keys[n.ID] = n.Key
	}
	out := map[string][]model.NodeExecution{}
	for _, ne := range m[id] {
		out[keys[ne.NodeID]] = append(out[keys[ne.NodeID]], ne)
	}
	return out
}

func (e *env) submit(u *model.User, fg *model.FullGraph, inputs map[string]any) *model.GraphExecution {
	ex, err := e.eng.Submit(context.Background(), u.ID, fg.ID, 0, inputs, model.UserContext{})
	require.NoError(e.t, err)
	return ex
}

// ---- test blocks ----

// gates let a test hold a block run until it says so, and see it start.
type gate struct {
	entered chan string
	release chan struct{}
	mu      sync.Mutex
	active  int
	max     int
}

var gates sync.Map // name → *gate

func newGate(t *testing.T) (string, *gate) {
	name := uuid.NewString()
	g := &gate{entered: make(chan string, 100), release: make(chan struct{})}
	gates.Store(name, g)
	t.Cleanup(func() { gates.Delete(name) })
	return name, g
}

func (g *gate) waitEntered(t *testing.T) string {
	t.Helper()
	select {
	case v := <-g.entered:
		return v
	case <-time.After(waitFor):
		t.Fatal("timed out waiting for a gated block to start")
		return ""
	}
}

type gateIn struct {
	Gate  string `json:"gate" jsonschema_description:"Gate name."`
	Input any    `json:"input,omitempty" jsonschema_description:"Any value."`
}

type gateOut struct {
	Output any `json:"output" jsonschema_description:"The value."`
}

func gateBlock() blocks.Block {
	return blocks.Define[gateIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d01", Name: "TestGateBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(ctx context.Context, _ *blocks.RunContext, in gateIn, emit blocks.Emit) error {
			v, ok := gates.Load(in.Gate)
			if !ok {
				return errors.New("no such gate")
			}
			g := v.(*gate)
			g.mu.Lock()
			g.active++
			g.max = max(g.max, g.active)
			g.mu.Unlock()
			defer func() { g.mu.Lock(); g.active--; g.mu.Unlock() }()
			g.entered <- fmt.Sprint(in.Input)
			select {
			case <-g.release:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			return emit("output", in.Input)
		})
}

type anyIn struct {
	Input any `json:"input,omitempty" jsonschema_description:"Any value."`
}

func panicBlock() blocks.Block {
	return blocks.Define[anyIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d02", Name: "TestPanicBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard},
		func(context.Context, *blocks.RunContext, anyIn, blocks.Emit) error {
			var m map[string]int
			m["boom"]++ // nil map write: a real runtime panic
			return nil
		})
}

func costBlock() blocks.Block {
	return blocks.Define[anyIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d03", Name: "TestCostBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard,
		Costs: []blocks.Cost{{Type: blocks.CostRun, Amount: 5, Description: "per run"}}},
		func(_ context.Context, _ *blocks.RunContext, in anyIn, emit blocks.Emit) error {
			return emit("output", in.Input)
		})
}

func secondsCostBlock() blocks.Block {
	return blocks.Define[anyIn, gateOut](blocks.Info{ID: "0b6f3c1e-5a0c-4c53-9d7e-3a1f2b6c7d04", Name: "TestSecondsCostBlock",
		Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard,
		Costs:  []blocks.Cost{{Type: blocks.CostSecond, Amount: 3, Description: "per second"}},
		Limits: func(map[string]any) blocks.Usage { return blocks.Usage{blocks.CostSecond: 2} }},
		func(_ context.Context, _ *blocks.RunContext, in anyIn, emit blocks.Emit) error {
			return emit("output", in.Input)
		})
}
