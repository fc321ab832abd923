package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/schedule"
	"github.com/agentgraph/agentgraph/internal/server"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/internal/testenv"
	"github.com/agentgraph/agentgraph/internal/webhooks"
	"github.com/agentgraph/agentgraph/resolvers"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// counter counts SQL statements sent through its pool.
type counter struct{ n atomic.Int64 }

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// fewestStatements runs query eight times and returns the fewest SQL
// statements one run took. A loader gathers keys for batchWait; on a loaded
// machine the resolvers of one list can straddle that window and split a
// batch in two, so one run may take a statement more (all three runs of a
// ten-graph list did once, in CI under -race). A per-element read shows in
// every run, so the fewest still tells constant from growing.
func (b *bundle) fewestStatements(query func()) int64 {
	fewest := int64(-1)
	for range 8 {
		before := b.stmts.n.Load()
		query()
		if n := b.stmts.n.Load() - before; fewest < 0 || n < fewest {
			fewest = n
		}
	}
	return fewest
}

// streamStore is the store the live streams read through, counting the
// reads of what events show beyond themselves: a graph version's nodes, a
// run's outputs at its end.
type streamStore struct {
	*db.Store
	nodeReads, outputReads atomic.Int64
}

func (s *streamStore) NodesByGraphs(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Node, error) {
	s.nodeReads.Add(1)
	return s.Store.NodesByGraphs(ctx, keys)
}

func (s *streamStore) ExecutionOutputs(ctx context.Context, id uuid.UUID) (model.Status, json.RawMessage, error) {
	s.outputReads.Add(1)
	return s.Store.ExecutionOutputs(ctx, id)
}

// bundle is one test's running API: a real HTTP server on the package's
// database and Redis, with engine workers.
type bundle struct {
	t   testing.TB
	url string
	// gqlgenURL is the same API with every list and every subscription
	// frame rendered by gqlgen (server.Options.GqlgenLists, GqlgenEvents),
	// to compare renderings with.
	gqlgenURL string
	store     *db.Store
	stmts     *counter
	reads     *streamStore // the live streams' store
	jwt       auth.JWTConfig
	logger    *slog.Logger
}

var (
	syncBlocks    sync.Once
	syncBlocksErr error
)

// setupOptions change what setup builds; the zero value is the default.
type setupOptions struct {
	// maxRunsPerUser is MAX_RUNS_PER_USER: the engine's and the webhook
	// ingress's limit of an owner's runs in progress (0: none).
	maxRunsPerUser int
	// operator are the engine's operator model keys (provider → key and
	// base URL), as OPENAI_API_KEY/OPENAI_BASE_URL give them.
	operator credentials.OperatorKeys
}

// setupWith is setup with operator model keys for the engine.
func setupWith(t testing.TB, operator credentials.OperatorKeys) *bundle {
	t.Helper()
	return setup(t, func(o *setupOptions) { o.operator = operator })
}

func setup(t testing.TB, opts ...func(*setupOptions)) *bundle {
	t.Helper()
	var o setupOptions
	for _, f := range opts {
		f(&o)
	}
	url := testenv.PostgresURL(t)
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	stmts := &counter{}
	cfg.ConnConfig.Tracer = stmts
	cfg.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store := db.New(pool)
	reg := blocks.Builtin()
	// Once per package (its database is shared): a sync upserts every block
	// row, locking each, while other tests' graph saves hold key-share
	// locks on the blocks their nodes reference; run beside them it
	// deadlocks now and then (createGraph INTERNAL, 40P01).
	syncBlocks.Do(func() { syncBlocksErr = graphs.New(store, reg).SyncBlocks(context.Background()) })
	require.NoError(t, syncBlocksErr)
	rdb, prefix := testenv.Redis(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := events.NewHub(rdb, prefix, logger, events.HubOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, hub.Start(ctx))
	t.Cleanup(hub.Stop)
	// The engine gets its own untraced pool: its background statements
	// (claims, heartbeats, writes) must not count against the API's.
	engStore := db.New(testenv.Postgres(t))
	cipher, err := credentials.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	// A node naming one of the user's credentials gets it as in the app
	// (internal/app), read by id through the same service.
	engOpts := engine.Options{MaxRuns: 8, MaxRunsPerUser: o.maxRunsPerUser,
		CredentialByID: credentials.NewService(engStore, cipher).ByID}
	if o.operator != nil {
		engOpts.Credentials = credentials.WithOperatorKeys(credentials.NewService(engStore, cipher).ForRun, o.operator)
	}
	eng := engine.New(engStore, reg, events.NewPublisher(rdb, prefix), logger, engOpts)
	require.NoError(t, eng.Start(context.Background()))
	t.Cleanup(eng.Stop)
	jwt := auth.JWTConfig{Secret: []byte("test-secret-0123456789abcdef")}
	reads := &streamStore{Store: store}
	// Every engine process runs a scheduler; the tests' schedulers share
	// the package's database, as processes share one. Like the engine,
	// the scheduler polls in the background, so it too uses the untraced pool.
	sched := schedule.New(engStore, logger, eng.Queued, schedule.Options{})
	require.NoError(t, sched.Start(context.Background()))
	t.Cleanup(sched.Stop)
	hooks := webhooks.New(store, cipher, o.maxRunsPerUser, eng.Queued)
	res := &resolvers.Resolver{CredentialService: credentials.NewService(store, cipher), Store: store, Registry: reg, GraphService: graphs.New(store, reg), Runs: eng,
		Streams: livestream.New(reads, hub, livestream.Options{Logger: logger}), Metrics: &sysmetrics.Sampler{Store: store}, Logger: logger,
		ScheduleService: schedule.NewService(store, eng), WebhookService: hooks}
	// The API follows auth changes as `agentgraph serve` does (kept keys,
	// open websockets' credentials checked again).
	authn := &auth.Authenticator{Store: store, JWT: jwt}
	fctx, stopFollowing := context.WithCancel(context.Background())
	following := make(chan struct{})
	go func() { defer close(following); authn.FollowChanges(fctx) }()
	t.Cleanup(func() { stopFollowing(); <-following })
	require.Eventually(t, authn.Following, 10*time.Second, 5*time.Millisecond)
	h := server.NewHandler(server.Options{
		Resolver: res,
		Auth:     authn,
		Logger:   logger,
		Ready:    func(context.Context) error { return nil },
		Webhooks: hooks,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res.PublicURL = srv.URL
	gqlgenOnly := httptest.NewServer(server.NewHandler(server.Options{Resolver: res, Auth: &auth.Authenticator{Store: store, JWT: jwt},
		Logger: logger, GqlgenLists: true, GqlgenEvents: true}))
	t.Cleanup(gqlgenOnly.Close)
	return &bundle{t: t, url: srv.URL + "/graphql", gqlgenURL: gqlgenOnly.URL + "/graphql", store: store, stmts: stmts, reads: reads,
		jwt: jwt, logger: logger}
}

// user creates a user with credits and returns it with an API key.
func (b *bundle) user(role model.Role) (*model.User, string) {
	b.t.Helper()
	ctx := context.Background()
	secret, prefix, hash := auth.NewAPIKey()
	u, err := b.store.UserCreate(ctx, db.NewUser{Email: "u" + testenv.RandomSuffix(6) + "@example.com", Role: role})
	require.NoError(b.t, err)
	_, err = b.store.APIKeyCreate(ctx, u.ID, "test", prefix, hash)
	require.NoError(b.t, err)
	_, err = b.store.CreditAdd(ctx, u.ID, 1_000_000, "BONUS", "test credits")
	require.NoError(b.t, err)
	return u, secret
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
	Status int                        `json:"-"`
}

func (r *response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do sends one GraphQL request.
func (b *bundle) do(token, query string, vars map[string]any) *response {
	b.t.Helper()
	raw, status := b.raw(b.url, token, query, vars)
	var out response
	require.NoErrorf(b.t, json.Unmarshal(raw, &out), "body: %s", raw)
	out.Status = status
	return &out
}

// raw sends one GraphQL request to url and returns the answer's bytes.
func (b *bundle) raw(url, token, query string, vars map[string]any) ([]byte, int) {
	b.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return raw, resp.StatusCode
}

// ok sends a request that must succeed and decodes field into v.
func (b *bundle) ok(token, query string, vars map[string]any, field string, v any) {
	b.t.Helper()
	r := b.do(token, query, vars)
	require.Emptyf(b.t, r.Errors, "errors: %+v", r.Errors)
	if v != nil {
		require.NoError(b.t, json.Unmarshal(r.Data[field], v))
	}
}

// chainGraph is a GraphInput of n nodes: an input, n-2 store-value nodes, an output.
func chainGraph(name string, n int) map[string]any {
	nodes := []map[string]any{{"key": "n0", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}}}
	var links []map[string]any
	for i := 1; i < n; i++ {
		blk, def := "StoreValueBlock", map[string]any(nil)
		if i == n-1 {
			blk, def = "AgentOutputBlock", map[string]any{"name": "y"}
		}
		nodes = append(nodes, map[string]any{"key": key(i), "blockId": blk, "inputDefault": def,
			"position": map[string]any{"x": float64(i * 10), "y": 0}})
		sink := "input"
		if i == n-1 {
			sink = "value"
		}
		src := "output"
		if i == 1 {
			src = "result"
		}
		links = append(links, map[string]any{"sourceKey": key(i - 1), "sourceName": src, "sinkKey": key(i), "sinkName": sink})
	}
	return map[string]any{"name": name, "nodes": nodes, "links": links}
}

func key(i int) string {
	b, _ := json.Marshal(i)
	return "n" + string(b)
}
