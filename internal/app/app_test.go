package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/adminhttp"
	"github.com/agentgraph/agentgraph/internal/app"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testConfig(t *testing.T, workers int) config.Config {
	t.Helper()
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	_, prefix := testenv.Redis(t)
	cfg.DatabaseURL, cfg.RedisURL, cfg.RedisPrefix = testenv.PostgresURL(t), testenv.RedisURL(), prefix
	cfg.Workers, cfg.DBMaxConns, cfg.ShutdownGrace, cfg.AdminAddr, cfg.PprofAddr = workers, 8, 5*time.Second, "", ""
	return cfg
}

// The engine a process runs reports its runs, takeovers, block runs and
// the queue's depth on the process's registry.
func TestEngineMetrics(t *testing.T) {
	ctx := context.Background()
	a, err := app.New(ctx, testConfig(t, 4), quiet)
	require.NoError(t, err)
	t.Cleanup(a.Close)

	var uid uuid.UUID
	require.NoError(t, a.Pool.QueryRow(ctx, `INSERT INTO users (email) VALUES ($1) RETURNING id`,
		"metrics-"+testenv.RandomSuffix(4)+"@example.com").Scan(&uid))
	sv, ok := a.Blocks.ByName("StoreValueBlock")
	require.True(t, ok)
	spec := &model.GraphSpec{Name: "metrics"}
	for i := range 3 {
		n := model.NodeSpec{Key: fmt.Sprintf("n%d", i), BlockID: sv.Info().ID}
		if i == 0 {
			n.InputDefault = map[string]any{"input": 1}
		} else {
			spec.Links = append(spec.Links, model.LinkSpec{SourceKey: fmt.Sprintf("n%d", i-1), SinkKey: n.Key, SourceName: "output", SinkName: "input"})
		}
		spec.Nodes = append(spec.Nodes, n)
	}
	var fg *model.FullGraph
	fg, err = a.Store.GraphSaveSpec(ctx, uid, spec, db.GraphSave{Activate: true})
	require.NoError(t, err)

	hub := events.NewHub(a.Redis, a.Config.RedisPrefix, quiet, events.HubOptions{})
	require.NoError(t, hub.Start(ctx))
	t.Cleanup(hub.Stop)
	ended := make(chan string, 10)
	sub := hub.SubscribeGraphFunc(fg.ID.String(), func(ev *events.Event) {
		if ev.Terminal() {
			ended <- ev.ExecutionID + " " + ev.Status
		}
	})
	t.Cleanup(sub.Close)

	// Before the engine starts: two runs wait in the queue, and one is held
	// by a worker that died (its lease expired).
	want := map[string]bool{}
	for range 2 {
		queued, err := a.Engine.Submit(ctx, uid, fg.ID, 0, nil, model.UserContext{})
		require.NoError(t, err)
		want[queued.ID.String()+" COMPLETED"] = true
	}
	exs, _, err := a.Store.ExecutionInsertClaimed(ctx, []db.NewExecution{{ID: uuid.New(), GraphID: fg.ID,
		GraphVersion: fg.Version, UserID: uid}}, "a-dead-worker", 60)
	require.NoError(t, err)
	orphan := exs[0].ID
	want[orphan.String()+" COMPLETED"] = true
	_, err = a.Pool.Exec(ctx, `UPDATE graph_executions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, orphan)
	require.NoError(t, err)

	m := gather(t, a)
	require.Equal(t, 2.0, m["agentgraph_runs_queued"])
	require.Equal(t, 1.0, m["agentgraph_runs_running"])
	require.Greater(t, m["agentgraph_runs_queued_oldest_seconds"], 0.0, "the queued runs have waited")
	require.Equal(t, 0.0, m["agentgraph_runs_started_total"])
	require.Equal(t, 0.0, m["agentgraph_lease_takeovers_total"])
	require.Contains(t, m, `agentgraph_runs_finished_total{status="COMPLETED"}`, "every terminal status is exported from the start")

	require.NoError(t, a.Start(ctx))
	for range want {
		select {
		case got := <-ended:
			require.True(t, want[got], "unexpected end %s", got)
		case <-time.After(time.Minute):
			t.Fatal("runs did not end")
		}
	}
	a.Stop() // every hook of the runs has run once the engine has stopped

	m = gather(t, a)
	require.Equal(t, 2.0, m["agentgraph_runs_started_total"], "the queued runs were started")
	require.Equal(t, 1.0, m["agentgraph_lease_takeovers_total"], "the dead worker's run was taken over")
	require.Equal(t, 3.0, m[`agentgraph_runs_finished_total{status="COMPLETED"}`])
	require.Equal(t, 0.0, m[`agentgraph_runs_finished_total{status="FAILED"}`])
	require.Equal(t, 9.0, m[`agentgraph_block_run_seconds_count{block="StoreValueBlock",status="COMPLETED"}`], "%v", m)
	require.Equal(t, 0.0, m["agentgraph_runs_queued"])
	require.Equal(t, 0.0, m["agentgraph_runs_running"])
	require.Equal(t, 0.0, m["agentgraph_runs_queued_oldest_seconds"], "none waits")
	require.Contains(t, m, `agentgraph_credits_charged_total{block="StoreValueBlock"}`, "%v", m)
	require.Equal(t, 0.0, m[`agentgraph_credits_charged_total{block="StoreValueBlock"}`], "a free block")
	require.Contains(t, m, "go_goroutines")
}

// A process that runs no engine (serve --workers 0) exports no engine
// series: zeros there would look like an idle worker.
func TestAPIOnlyExportsNoEngineSeries(t *testing.T) {
	a, err := app.New(context.Background(), testConfig(t, 0), quiet)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	require.NoError(t, a.Start(context.Background()))
	t.Cleanup(a.Stop)
	m := gather(t, a)
	require.Contains(t, m, "go_goroutines")
	for name := range m {
		require.NotContains(t, name, "agentgraph_runs")
		require.NotContains(t, name, "agentgraph_block_run")
	}
}

// Readiness is Postgres and Redis answering, and every added check passing.
func TestReady(t *testing.T) {
	a, err := app.New(context.Background(), testConfig(t, 0), quiet)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	require.NoError(t, a.Ready(context.Background()))
	a.AddReadyCheck(func(context.Context) error { return errors.New("redis subscription is reconnecting") })
	require.EqualError(t, a.Ready(context.Background()), "redis subscription is reconnecting")
	a.Close()
	require.ErrorContains(t, a.Ready(context.Background()), "postgres")
}

// gather scrapes /metrics as the admin endpoints serve it: name{labels}
// (as exposed) → value.
func gather(t *testing.T, a *app.App) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	adminhttp.Handler(adminhttp.Options{Ready: a.Ready, Registry: a.Registry}).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	out := map[string]float64{}
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(strings.TrimSpace(line[i+1:]), 64)
		require.NoError(t, err, line)
		out[line[:i]] = v
	}
	return out
}

// Every process runs the alert evaluator: a channel of the built-in rule
// that does not parse stops the process at start, naming the variable;
// QUEUE_ALERT_AFTER keeps the built-in late-run rule.
func TestAlertingWiring(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, 0)
	cfg.AlertChannels = []string{"pager:1"}
	_, err := app.New(ctx, cfg, quiet)
	require.ErrorContains(t, err, "ALERT_CHANNELS")

	cfg.AlertChannels = []string{"webhook:https://example.com/h"}
	cfg.QueueAlertAfter = time.Minute
	a, err := app.New(ctx, cfg, quiet)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	require.NoError(t, a.Start(ctx))
	t.Cleanup(a.Stop)
	rules, err := a.Store.AlertRuleList(ctx)
	require.NoError(t, err)
	var late *db.AlertRule
	for _, r := range rules {
		if r.Name == "queued_runs_late" {
			late = r
		}
	}
	require.NotNil(t, late)
	require.Equal(t, "oldest_queued_seconds >", late.Condition)
	require.Equal(t, 60.0, late.Threshold)
	require.Equal(t, []string{"webhook:https://example.com/h"}, late.NotificationChannels)
}

// Every process runs the housekeeper: a started process stores metrics
// samples every METRICS_INTERVAL.
func TestHousekeepingWiring(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, 0)
	cfg.MetricsInterval = 20 * time.Millisecond
	// One fixed window: steps are counted from its start, so a sample stored
	// while a poll is on its way cannot fall into a second step.
	from := time.Now().Add(-time.Second)
	a, err := app.New(ctx, cfg, quiet)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	require.NoError(t, a.Start(ctx))
	t.Cleanup(a.Stop)
	require.Eventually(t, func() bool {
		steps, err := a.Store.SystemMetricsHistory(ctx, from, from.Add(time.Hour), time.Hour)
		return err == nil && len(steps) == 1 && steps[0].Samples >= 2
	}, 30*time.Second, 10*time.Millisecond)
}
