// Package editorbench measures the visual editor's one request (issue 11):
// the editor query (EditorQuery) over HTTP against a launched `agentgraph
// serve`, on a 500-node, 600-link graph and a run of it built through the
// API, next to the same answer built by Postgres alone in one SQL statement
// driven by pgbench at the same concurrency. `agentgraph-bench editor` is
// its command line.
package editorbench

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
)

// Config says what to build and how long to measure.
type Config struct {
	Binary      string // the agentgraph binary to launch
	DatabaseURL string // the server's; the bench creates its own database there
	RedisURL    string
	Logger      *slog.Logger

	Nodes, Links int           // the graph's size (default 500, 600)
	Clients      int           // concurrent clients of each phase (default 10)
	Duration     time.Duration // of each phase (default 10s)
	Rounds       int           // agentgraph then baseline, this many times (default 1)
	Workers      int           // the server's engine workers, which run the graph once (default 8)
	Count        int           // sequential requests the statements are counted over (default 20)
	CPUProfile   string        // when set, the server's CPU profile during the first agentgraph phase
	// Against, when set, is another agentgraph binary (another build) whose
	// editor answer on the same data must be the same bytes.
	Against string
	// Keep leaves the bench's database in place (its URL is logged), to
	// look into the data afterwards.
	Keep bool
}

// Result is what the bench measured.
type Result struct {
	Config                Config
	LoadAverage           string // /proc/loadavg before the phases
	Build                 time.Duration
	NodeExecutions        int
	AnswerBytes, SQLBytes int
	Statements            []int64 // per sequential request, sorted
	Agentgraph, Baseline  []Load
	PgbenchCommand        string
	// AgainstBytes is the size of the other build's answer; AgainstSame
	// whether it was byte for byte this build's (Config.Against).
	AgainstBytes int
	AgainstSame  bool
}

// Run builds the data through the API, counts the editor request's
// statements, then measures the editor request and the baseline
// statement, Rounds times each, alternately.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	if cfg.Nodes <= 0 {
		cfg.Nodes = 500
	}
	if cfg.Links <= 0 {
		cfg.Links = 600
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 10
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 1
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Count <= 0 {
		cfg.Count = 20
	}
	res = &Result{Config: cfg}
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.DatabaseURL, "editor", 4)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cfg.Keep {
			cfg.Logger.Info("database kept", "url", dbURL)
			return
		}
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	apiKey, err := newUser(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": cfg.RedisURL, "REDIS_PREFIX": "agbench:" + livebench.RandomHex(6) + ":"}
	var pprofAddr string
	if cfg.CPUProfile != "" {
		if pprofAddr, err = livebench.FreeLoopbackAddr(); err != nil {
			return nil, err
		}
		env["PPROF_ADDR"] = pprofAddr
	}
	srv, err := livebench.LaunchServe(ctx, cfg.Binary, cfg.Workers, env, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := newClient(srv.Base(), apiKey, cfg.Clients)
	defer c.close()

	b, err := build(ctx, c, cfg.Nodes, cfg.Links)
	if err != nil {
		return res, err
	}
	res.Build, res.NodeExecutions = b.took, b.nodeExecutions
	cfg.Logger.Info("built through the API", "graph", b.graphID, "took", b.took.Round(time.Millisecond))
	req, err := body(EditorQuery, map[string]any{"id": b.graphID})
	if err != nil {
		return res, err
	}
	want, err := firstAnswer(ctx, c, req, cfg.Nodes, cfg.Links, b.nodeExecutions)
	if err != nil {
		return res, err
	}
	res.AnswerBytes = len(want)
	stmt, err := baselineStatement(b.graphID)
	if err != nil {
		return res, err
	}
	var sqlAnswer string
	if err := pool.QueryRow(ctx, stmt).Scan(&sqlAnswer); err != nil {
		return res, fmt.Errorf("the baseline statement: %w", err)
	}
	if err := checkAnswer([]byte(sqlAnswer), cfg.Nodes, cfg.Links, b.nodeExecutions); err != nil {
		return res, fmt.Errorf("the baseline statement's answer: %w", err)
	}
	res.SQLBytes = len(sqlAnswer)
	if res.Statements, err = countStatements(ctx, cfg, env, apiKey, req); err != nil {
		return res, fmt.Errorf("counting statements: %w", err)
	}
	if cfg.Against != "" {
		other, err := answerOf(ctx, cfg, cfg.Against, env, apiKey, req)
		if err != nil {
			return res, fmt.Errorf("the answer of %s: %w", cfg.Against, err)
		}
		res.AgainstBytes, res.AgainstSame = len(other), bytes.Equal(other, want)
	}

	// Warm up (connections, caches, the Go heap's size) before measuring.
	if _, err := loadEditor(ctx, c, srv, req, want, cfg.Clients, time.Second); err != nil {
		return res, err
	}
	res.LoadAverage = livebench.LoadAverage()
	for round := range cfg.Rounds {
		var prof chan error
		if round == 0 && cfg.CPUProfile != "" {
			prof = make(chan error, 1)
			go func() {
				prof <- livebench.FetchCPUProfile(ctx, pprofAddr, int(cfg.Duration/time.Second)-1, cfg.CPUProfile)
			}()
		}
		l, err := loadEditor(ctx, c, srv, req, want, cfg.Clients, cfg.Duration)
		if err != nil {
			return res, err
		}
		if prof != nil {
			if err := <-prof; err != nil {
				return res, fmt.Errorf("server CPU profile: %w", err)
			}
		}
		res.Agentgraph = append(res.Agentgraph, l)
		if err := srv.Alive(); err != nil {
			return res, err
		}
		bl, cmd, err := runPgbench(ctx, dbURL, stmt, cfg.Clients, cfg.Duration)
		if err != nil {
			return res, err
		}
		res.Baseline, res.PgbenchCommand = append(res.Baseline, bl), cmd
	}
	return res, nil
}

// firstAnswer fetches the editor answer once and checks it in full; every
// later answer is compared with it.
func firstAnswer(ctx context.Context, c *client, req []byte, nodes, links, nodeExecutions int) ([]byte, error) {
	var b bytes.Buffer
	if err := c.post(ctx, req, &b); err != nil {
		return nil, fmt.Errorf("the editor query: %w", err)
	}
	if err := checkAnswer(b.Bytes(), nodes, links, nodeExecutions); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// countStatements launches a second server (no engine workers) whose
// connections go through a counting proxy, sends it the editor request
// Count times one after the other, and returns the statements each cost,
// sorted. The measured server is idle meanwhile and never proxied.
func countStatements(ctx context.Context, cfg Config, env map[string]string, apiKey string, req []byte) ([]int64, error) {
	u, err := url.Parse(env["DATABASE_URL"])
	if err != nil {
		return nil, err
	}
	proxy, err := newStmtProxy(u.Host)
	if err != nil {
		return nil, err
	}
	defer proxy.close()
	u.Host = proxy.addr()
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	counted := map[string]string{"DATABASE_URL": u.String(), "REDIS_URL": env["REDIS_URL"], "REDIS_PREFIX": env["REDIS_PREFIX"]}
	srv, err := livebench.LaunchServe(ctx, cfg.Binary, 0, counted, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := newClient(srv.Base(), apiKey, 1)
	defer c.close()
	var b bytes.Buffer
	out := make([]int64, cfg.Count)
	for i := range out {
		before := proxy.count()
		if err := c.post(ctx, req, &b); err != nil {
			return nil, err
		}
		out[i] = proxy.count() - before
	}
	slices.Sort(out)
	return out, nil
}

// answerOf launches bin (no engine workers) on the same database and
// returns its editor answer.
func answerOf(ctx context.Context, cfg Config, bin string, env map[string]string, apiKey string, req []byte) ([]byte, error) {
	srv, err := livebench.LaunchServe(ctx, bin, 0, map[string]string{"DATABASE_URL": env["DATABASE_URL"],
		"REDIS_URL": env["REDIS_URL"], "REDIS_PREFIX": env["REDIS_PREFIX"]}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := newClient(srv.Base(), apiKey, 1)
	defer c.close()
	var b bytes.Buffer
	if err := c.post(ctx, req, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
