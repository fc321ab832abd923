package triggerbench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/webhooks"
)

// WebhookConfig says how hard to push one webhook.
type WebhookConfig struct {
	Env
	Clients  int           // concurrent clients, each one request at a time (default 32)
	Duration time.Duration // how long they post (default 10s)
	Workers  int           // the server's engine workers (default 64)
	// Drain bounds the wait, after the last post, for every run to end
	// (default 2 minutes).
	Drain time.Duration
}

// WebhookResult is what the webhook bench measured and checked.
type WebhookResult struct {
	Config            WebhookConfig
	SynchronousCommit string
	Sent, Accepted    int64 // requests posted; answered 202
	Refused           map[int]int64
	Errors            int64 // transport errors
	FirstError        string
	Elapsed           time.Duration
	Latency           livebench.Dist // of the 202 answers, request written → answer read
	// Checked in Postgres after the runs drained.
	Deliveries       int64 // rows in webhook_deliveries
	Runs             int64 // runs the webhook started
	RunsPerDelivery  int64 // deliveries whose delivery id names more than one run (must be 0)
	Unanswered       int64 // accepted execution ids with no run (must be 0)
	NotAccepted      int64 // runs no 202 answered (must be 0)
	Completed        int64
	NotCompleted     map[string]int64 // by status, after Drain
	DrainTime        time.Duration
	ServerCPU, Cores float64 // server CPU s per wall s while posting; the whole machine's
	BenchCPU         float64
}

// OK: every accepted delivery became exactly one run, every run completed.
func (r *WebhookResult) OK() bool {
	return r.Accepted > 0 && r.Deliveries == r.Accepted && r.Runs == r.Accepted && r.RunsPerDelivery == 0 &&
		r.Unanswered == 0 && r.NotAccepted == 0 && r.Completed == r.Accepted
}

// RunWebhooks launches `agentgraph serve` with engine workers on a fresh
// database, posts signed deliveries with unique ids to one webhook of a
// GenericWebhookTriggerBlock → AgentOutputBlock graph from Clients
// concurrent clients for Duration, waits for the runs to end, and checks
// in Postgres that every 202 is exactly one delivery and one completed run.
func RunWebhooks(ctx context.Context, cfg WebhookConfig) (res *WebhookResult, err error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 32
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 2 * time.Minute
	}
	res = &WebhookResult{Config: cfg, Refused: map[int]int64{}, NotCompleted: map[string]int64{}}
	dbURL, pool, drop, err := livebench.FreshDatabase(ctx, cfg.DatabaseURL, "webhooks", 4)
	if err != nil {
		return nil, err
	}
	defer func() {
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&res.SynchronousCommit); err != nil {
		return nil, err
	}
	fx, err := newFixture(ctx, pool, "bench-webhooks", []model.NodeSpec{
		{Key: "hook", BlockID: "GenericWebhookTriggerBlock", InputDefault: map[string]any{"constants": map[string]any{"src": "bench"}}},
		{Key: "out", BlockID: "AgentOutputBlock", InputDefault: map[string]any{"name": "out"}},
	}, []model.LinkSpec{{SourceKey: "hook", SourceName: "payload", SinkKey: "out", SinkName: "value"}})
	if err != nil {
		return nil, err
	}
	hooks, err := fx.store.WebhooksByGraphs(ctx, []uuid.UUID{fx.graph.ID})
	if err != nil {
		return nil, err
	}
	if len(hooks[fx.graph.ID]) != 1 {
		return nil, fmt.Errorf("the graph has %d webhooks, want 1", len(hooks[fx.graph.ID]))
	}
	hook := hooks[fx.graph.ID][0]
	// No cipher: the secret is stored in clear, which a server with or
	// without ENCRYPTION_KEY reads alike.
	secret, err := webhooks.New(fx.store, nil, 0, nil).RotateSecret(ctx, fx.userID, hook.ID)
	if err != nil {
		return nil, err
	}

	srv, err := livebench.LaunchServe(ctx, cfg.Binary, cfg.Workers, map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": cfg.RedisURL, "REDIS_PREFIX": "agbench:" + livebench.RandomHex(6) + ":",
	}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	cfg.Logger.Info("server up", "addr", srv.Base(), "pid", srv.Pid())

	accepted, err := postAll(ctx, cfg, res, srv, srv.Base()+"/webhooks/"+hook.ID.String(), []byte(secret))
	if err != nil {
		return res, err
	}
	if err := srv.Alive(); err != nil {
		return res, err
	}
	cfg.Logger.Info("posted; waiting for the runs to end", "accepted", res.Accepted)
	if err := drain(ctx, pool, cfg.Drain, &res.DrainTime); err != nil {
		return res, err
	}
	return res, verifyDeliveries(ctx, pool, hook.ID, accepted, res)
}

// postAll runs the clients and returns the accepted deliveries' execution
// ids by delivery id.
func postAll(ctx context.Context, cfg WebhookConfig, res *WebhookResult, srv *livebench.Process, url string, secret []byte) (map[string]string, error) {
	tr := &http.Transport{MaxIdleConns: cfg.Clients, MaxIdleConnsPerHost: cfg.Clients,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	type clientOut struct {
		lat      []time.Duration
		accepted map[string]string
	}
	outs := make([]clientOut, cfg.Clients)
	var sent, acc, errs atomic.Int64
	var mu sync.Mutex
	var firstErr string
	refused := map[int]int64{}
	cpu0, _ := srv.CPU()
	bench0, all0 := livebench.SelfCPU(), livebench.MachineCPU()
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	prefix := livebench.RandomHex(4)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() {
			o := &outs[c]
			o.accepted = map[string]string{}
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				delivery := prefix + "-" + strconv.Itoa(c) + "-" + strconv.Itoa(i)
				body := fmt.Appendf(nil, `{"event":"bench","client":%d,"n":%d}`, c, i)
				m := hmac.New(sha256.New, secret)
				m.Write(body)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhooks.HeaderSignature, "sha256="+hex.EncodeToString(m.Sum(nil)))
				req.Header.Set(webhooks.HeaderDelivery, delivery)
				t0 := time.Now()
				sent.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				var out struct{ ExecutionID string }
				derr := json.NewDecoder(resp.Body).Decode(&out)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				if resp.StatusCode != http.StatusAccepted || derr != nil || out.ExecutionID == "" {
					mu.Lock()
					refused[resp.StatusCode]++
					mu.Unlock()
					continue
				}
				acc.Add(1)
				o.lat = append(o.lat, lat)
				o.accepted[delivery] = out.ExecutionID
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	cpu1, _ := srv.CPU()
	res.ServerCPU = (cpu1 - cpu0).Seconds() / res.Elapsed.Seconds()
	res.BenchCPU = (livebench.SelfCPU() - bench0).Seconds() / res.Elapsed.Seconds()
	res.Cores = (livebench.MachineCPU() - all0).Seconds() / res.Elapsed.Seconds()
	res.Sent, res.Accepted, res.Errors, res.FirstError, res.Refused = sent.Load(), acc.Load(), errs.Load(), firstErr, refused
	all := map[string]string{}
	var lat []time.Duration
	for _, o := range outs {
		lat = append(lat, o.lat...)
		for k, v := range o.accepted {
			all[k] = v
		}
	}
	res.Latency = livebench.Percentiles(lat)
	return all, ctx.Err()
}

// drain waits until no run is queued or running, polling: the bench is a
// client of the database here, not a subscriber.
func drain(ctx context.Context, pool *pgxpool.Pool, limit time.Duration, took *time.Duration) error {
	start := time.Now()
	for {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM graph_executions WHERE status IN ('QUEUED', 'RUNNING')`).Scan(&n); err != nil {
			return err
		}
		*took = time.Since(start)
		if n == 0 || *took > limit {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// verifyDeliveries compares what the clients were answered with what
// Postgres holds.
func verifyDeliveries(ctx context.Context, pool *pgxpool.Pool, hookID uuid.UUID, accepted map[string]string, res *WebhookResult) error {
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1`, hookID).Scan(&res.Deliveries); err != nil {
		return err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT delivery_id FROM graph_executions
		WHERE webhook_id = $1 GROUP BY delivery_id HAVING count(*) > 1) d`, hookID).Scan(&res.RunsPerDelivery); err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT e.id::text, e.delivery_id, e.status::text, d.execution_id = e.id
		FROM graph_executions e LEFT JOIN webhook_deliveries d ON d.webhook_id = e.webhook_id AND d.delivery_id = e.delivery_id
		WHERE e.webhook_id = $1`, hookID)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := make(map[string]bool, len(accepted))
	for rows.Next() {
		var id, delivery, status string
		var keyed *bool
		if err := rows.Scan(&id, &delivery, &status, &keyed); err != nil {
			return err
		}
		res.Runs++
		if accepted[delivery] != id || keyed == nil || !*keyed {
			res.NotAccepted++
		} else {
			seen[delivery] = true
		}
		if status == string(model.StatusCompleted) {
			res.Completed++
		} else {
			res.NotCompleted[status]++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for d := range accepted {
		if !seen[d] {
			res.Unanswered++
		}
	}
	return nil
}
