package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/server"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/resolvers"
)

// serveCmd runs the GraphQL API with in-process engine workers until SIGTERM,
// then shuts down gracefully: stop accepting, drain requests, stop the engine.
func serveCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	workers := fs.Int("workers", -1, "concurrent runs this process executes (0 = API only; default WORKERS or 64)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: serve [--workers N])", err)
	}
	d, err := connect(ctx, logger)
	if err != nil {
		return err
	}
	defer d.close()
	if *workers >= 0 {
		d.cfg.Workers = *workers
	}

	hub := events.NewHub(d.rdb, d.cfg.RedisPrefix, logger, events.HubOptions{})
	hctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = hub.Start(hctx)
	cancel()
	if err != nil {
		return fmt.Errorf("redis subscription: %w", err)
	}
	defer hub.Stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerHubMetrics(reg, hub)
	runsFinished := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentgraph_runs_finished_total",
		Help: "Runs this process's engine brought to a terminal status, by status."}, []string{"status"})
	reg.MustRegister(runsFinished)
	nodeRuns := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "agentgraph_block_run_seconds",
		Help:    "Block runs this process's engine finished, by block and status, and how long they ran.",
		Buckets: []float64{.0001, .001, .01, .1, 1, 10, 60, 600}}, []string{"block", "status"})
	reg.MustRegister(nodeRuns)

	creds, err := d.credentials(logger)
	if err != nil {
		return err
	}
	eng := engine.New(d.store, d.reg, events.NewPublisher(d.rdb, d.cfg.RedisPrefix), logger, engine.Options{
		MaxRuns: d.cfg.Workers, LeaseDuration: d.cfg.LeaseDuration, ShutdownGrace: d.cfg.ShutdownGrace,
		MaxRunsPerUser: d.cfg.MaxRunsPerUser, MaxNodeExecutions: d.cfg.MaxNodeExecs, RunTimeout: d.cfg.RunTimeout, NodeTimeout: d.cfg.NodeTimeout,
		OnRunEnd: func(_ uuid.UUID, st model.Status) { runsFinished.WithLabelValues(string(st)).Inc() },
		OnNodeEnd: func(block string, st model.Status, seconds float64) {
			nodeRuns.WithLabelValues(block, string(st)).Observe(seconds)
		},
		Credentials: creds.ForRun, AllowPrivateNetwork: d.cfg.AllowPrivateNetwork,
	})
	if d.cfg.Workers > 0 {
		if err := eng.Start(ctx); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		defer eng.Stop()
	}

	res := &resolvers.Resolver{
		CredentialService: creds,
		Store:             d.store, Registry: d.reg, GraphService: graphs.New(d.store, d.reg), Runs: eng,
		Streams: livestream.New(livestream.DBStore{Store: d.store}, hub, livestream.Options{Logger: logger}),
		Metrics: &sysmetrics.Sampler{Store: d.store}, Logger: logger,
	}
	h := server.NewHandler(server.Options{
		Resolver: res, Auth: &auth.Authenticator{Store: d.store, JWT: auth.JWTConfig{Secret: d.cfg.JWTSecret,
			Issuer: d.cfg.JWTIssuer, Audience: d.cfg.JWTAudience}},
		AllowedOrigins: d.cfg.AllowedOrigins, Logger: logger, Registry: reg,
		Ready: func(ctx context.Context) error {
			if err := d.pool.Ping(ctx); err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			if err := d.rdb.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			if !hub.Ready() {
				return errors.New("redis subscription is reconnecting")
			}
			return nil
		},
	})
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		// Profiling on its own listener (e.g. 127.0.0.1:6060), never on the public one.
		go func() { logger.Warn("pprof", "err", http.ListenAndServe(addr, pprofMux())) }()
	}
	ln, err := net.Listen("tcp", d.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", d.cfg.ListenAddr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String(), "graphql", "/graphql", "workers", d.cfg.Workers)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownGrace)
	defer cancel()
	// Websockets first: Shutdown does not see hijacked connections. 1001
	// sends their clients to reconnect to another instance.
	if err := h.CloseWebsockets(sctx); err != nil {
		logger.Warn("websocket shutdown", "err", err)
	}
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	return nil
}

func registerHubMetrics(reg *prometheus.Registry, hub *events.Hub) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_events_delivered_total",
			Help: "Events delivered to local subscribers."}, func() float64 { return float64(hub.Delivered()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_events_dropped_total",
			Help: "Events dropped for slow subscribers (they re-sync from Postgres)."}, func() float64 { return float64(hub.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_redis_reconnects_total",
			Help: "Redis subscription reconnects."}, func() float64 { return float64(hub.Reconnects()) }),
	)
}

func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
