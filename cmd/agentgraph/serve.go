package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/agentgraph/agentgraph/internal/app"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/ratelimit"
	"github.com/agentgraph/agentgraph/internal/server"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/resolvers"
)

// serveCmd runs the GraphQL API with in-process engine workers until SIGTERM,
// then shuts down gracefully: stop accepting, drain requests, stop the engine.
func serveCmd(ctx context.Context, logger *slog.Logger, args []string) error {
	cfg, err := processConfig("serve", args)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	hub := events.NewHub(a.Redis, cfg.RedisPrefix, logger, events.HubOptions{ObserveLag: app.EventLagObserver(a.Registry)})
	hctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = hub.Start(hctx)
	cancel()
	if err != nil {
		return fmt.Errorf("redis subscription: %w", err)
	}
	defer hub.Stop()
	if err := a.Events.DeliverDeltasLocally(hub); err != nil {
		return err
	}
	app.RegisterHubMetrics(a.Registry, hub)
	a.AddReadyCheck(func(context.Context) error {
		if !hub.Ready() {
			return errors.New("redis subscription is reconnecting")
		}
		return nil
	})
	if err := a.Start(ctx); err != nil {
		return err
	}
	defer a.Stop()

	res := &resolvers.Resolver{
		CredentialService: a.Credentials,
		Store:             a.Store, Registry: a.Blocks, GraphService: graphs.New(a.Store, a.Blocks), Runs: a.Engine,
		Streams: livestream.New(a.Store, hub, livestream.Options{Logger: logger}),
		Metrics: &sysmetrics.Sampler{Store: a.Store}, Logger: logger,
		ScheduleService: a.Schedules, WebhookService: a.Webhooks, PublicURL: cfg.PublicURL,
		Integrations: a.Integrations,
	}
	authn := &auth.Authenticator{Store: a.Store, JWT: auth.JWTConfig{Secret: cfg.JWTSecret,
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}}
	// Keeps the API keys it resolved while it follows their changes: a
	// client's requests do not each read its key. Stopped before the pool
	// closes, which waits for its connection.
	fctx, stopFollowing := context.WithCancel(ctx)
	following := make(chan struct{})
	go func() { defer close(following); authn.FollowChanges(fctx) }()
	defer func() { stopFollowing(); <-following }()
	h := server.NewHandler(server.Options{
		Resolver: res, Auth: authn,
		AllowedOrigins: cfg.AllowedOrigins, Logger: logger, Registry: a.Registry, Ready: a.Ready,
		MaxFields: cfg.MaxFields, MaxAliases: cfg.MaxAliases, Webhooks: a.Webhooks, Integrations: a.Integrations,
		RateLimiter: ratelimit.New(a.Redis, cfg.RedisPrefix, ratelimit.Options{
			RPS: cfg.RateLimitRPS, Burst: cfg.RateLimitBurst, Logger: logger}),
		Tracer: a.Tracing.Tracer(),
	})
	app.RegisterWebsocketMetrics(a.Registry, h.WebsocketStats)
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String(), "graphql", "/graphql", "workers", cfg.Workers)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
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
