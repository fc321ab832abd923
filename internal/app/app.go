// Package app wires an agentgraph process from its config: the connections,
// the engine (one constructor for every command that runs one), the
// metrics, and the admin endpoints on ADMIN_ADDR. serve and worker differ
// only in what they add on top (serve: the live-event hub and the API), so
// a flag, a GC setting or a metric cannot drift between them again.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/alerting"
	"github.com/agentgraph/agentgraph/internal/config"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/housekeeping"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/schedule"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/internal/tracing"
	"github.com/agentgraph/agentgraph/internal/webhooks"
)

// App is one process: its connections, engine, metrics and readiness.
type App struct {
	*Deps
	Credentials *credentials.Service
	// Integrations is the provider registry (OAUTH_PROVIDERS, …) and the
	// OAuth2 connect flow.
	Integrations *integrations.Connect
	// Engine submits and cancels runs in every process; it claims and runs
	// them only when Config.Workers > 0 (Start starts it then).
	Engine *engine.Engine
	// Events is the engine's publisher; serve has it hand deltas to its
	// own hub at once (events.Publisher.DeliverDeltasLocally).
	Events *events.Publisher
	// Scheduler fires due schedules; it runs wherever the engine's workers
	// do (they share the firing through Postgres, exactly once).
	Scheduler *schedule.Scheduler
	// Schedules validates and stores schedules (the API's side).
	Schedules *schedule.Service
	// Webhooks accepts deliveries and rotates signing secrets.
	Webhooks *webhooks.Service
	// Alerts evaluates alert rules and sends their notifications. Every
	// process runs one; a lease in Postgres lets one of them work at a time.
	Alerts *alerting.Evaluator
	// Housekeeper stores the metrics history and applies the retentions;
	// every process runs one, a lease lets one of them work at a time.
	Housekeeper *housekeeping.Keeper
	Registry    *prometheus.Registry
	// Tracing exports spans when OTEL_EXPORTER_OTLP_ENDPOINT is set; nil
	// (tracing off, Tracing.Tracer() nil) otherwise.
	Tracing *tracing.Provider

	log         *slog.Logger
	readyChecks []func(ctx context.Context) error
	admin       *http.Server
	started     bool
}

// New connects and builds the process's engine and metrics; nothing runs
// until Start. A process that runs engine workers gets the engine's GC
// setting (engine.WorkerGCPercent) unless GOGC is set.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	if err := cfg.CheckEngine(); err != nil {
		return nil, err
	}
	if cfg.Workers > 0 && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(engine.WorkerGCPercent)
	}
	d, err := Connect(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	a := &App{Deps: d, Registry: NewRegistry(), log: logger}
	cipher, err := credentials.NewCipher(d.Config.EncryptionKey)
	if err != nil {
		d.Close()
		return nil, err
	}
	if cipher == nil {
		logger.Warn("ENCRYPTION_KEY is not set: integration credentials cannot be stored or used, and webhook secrets are stored in clear")
	}
	if on, err := d.Store.AutovacuumOn(ctx); err == nil && !on {
		logger.Warn("autovacuum is off on this Postgres: the rows of runs (updated many times each) and those the housekeeper deletes stay as dead rows, and reading runs slows down as they pile up; turn autovacuum on, or VACUUM graph_executions and node_executions regularly")
	}
	providers, err := integrations.FromEnv(os.Getenv)
	if err != nil {
		d.Close()
		return nil, err
	}
	a.Credentials = credentials.NewService(d.Store, cipher).WithProviders(providers, logger)
	a.Integrations = &integrations.Connect{Store: d.Store, Creds: a.Credentials, Cipher: cipher, Registry: providers,
		PublicURL: cfg.PublicURL, AllowedOrigins: cfg.AllowedOrigins}
	if err := llm.SetModels(cfg.LLMModels); err != nil {
		d.Close()
		return nil, err
	}
	operator := credentials.OperatorKeys{}
	for p, k := range cfg.OperatorModelKeys() {
		operator[p] = blocks.Credential{Secret: k[0], BaseURL: k[1]}
	}
	if a.Tracing, err = tracing.FromEnv(ctx, os.Getenv, logger); err != nil {
		d.Close()
		return nil, err
	}
	opts := engine.Options{
		Tracer:  a.Tracing.Tracer(),
		MaxRuns: cfg.Workers, MaxNodes: cfg.MaxNodes, MaxAINodes: cfg.MaxAINodes, MaxRunsPerUser: cfg.MaxRunsPerUser,
		MaxNodeExecutions: cfg.MaxNodeExecs, LeaseDuration: cfg.LeaseDuration, ShutdownGrace: cfg.ShutdownGrace,
		RunTimeout: cfg.RunTimeout, NodeTimeout: cfg.NodeTimeout,
		Credentials:    credentials.WithOperatorKeys(a.Credentials.ForRun, operator),
		CredentialByID: a.Credentials.ByID, CheckCredentials: a.Credentials.Check,
		AllowPrivateNetwork: cfg.AllowPrivateNetwork,
	}
	// Engine series come from the processes that run the engine: an
	// API-only serve would only export zeros that look like an idle worker.
	if cfg.Workers > 0 {
		registerEngineMetrics(a.Registry, d.Store, logger).hook(&opts)
	}
	a.Events = events.NewPublisher(d.Redis, cfg.RedisPrefix)
	a.Engine = engine.New(d.Store, d.Blocks, a.Events, logger, opts)
	a.Scheduler = schedule.New(d.Store, logger, a.Engine.Queued, schedule.Options{})
	a.Schedules = schedule.NewService(d.Store, a.Engine)
	// Secrets must stay readable to check signatures: sealed under
	// ENCRYPTION_KEY when set, in clear otherwise (README, Triggers).
	a.Webhooks = webhooks.New(d.Store, cipher, cfg.MaxRunsPerUser, a.Engine.Queued)
	for _, ch := range cfg.AlertChannels {
		if _, _, err := alerting.ParseChannel(ch); err != nil {
			a.Close()
			return nil, fmt.Errorf("ALERT_CHANNELS: %v", err)
		}
	}
	a.Alerts = alerting.New(d.Store, &sysmetrics.Sampler{Store: d.Store},
		&alerting.Notifier{WebhookSecret: cfg.AlertWebhookSecret, SMTPURL: cfg.SMTPURL, From: cfg.SMTPFrom,
			AllowPrivateNetwork: cfg.AllowPrivateNetwork},
		logger, alerting.Options{Interval: cfg.AlertInterval, QueueAlertAfter: cfg.QueueAlertAfter, BuiltinChannels: cfg.AlertChannels})
	a.Housekeeper = housekeeping.New(d.Store, &sysmetrics.Sampler{Store: d.Store}, logger, housekeeping.Options{
		Interval: cfg.MetricsInterval, MetricsRetention: cfg.MetricsRetention, LogRetention: cfg.LogRetention})
	return a, nil
}

// Close flushes the spans not yet exported (for up to 5 seconds) and
// closes the connections. Call it after Stop.
func (a *App) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Tracing.Shutdown(ctx); err != nil {
		a.log.Warn("flushing traces", "err", err)
	}
	a.Deps.Close()
}

// AddReadyCheck adds a condition /readyz requires besides Postgres and
// Redis answering (serve: its Redis subscription is live). Call it before
// Start.
func (a *App) AddReadyCheck(check func(ctx context.Context) error) {
	a.readyChecks = append(a.readyChecks, check)
}

// Ready is /readyz: Postgres and Redis answer, and every added check passes.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Deps.Ready(ctx); err != nil {
		return err
	}
	for _, check := range a.readyChecks {
		if err := check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Start serves the admin endpoints (ADMIN_ADDR) and pprof (PPROF_ADDR) when
// configured, and starts the engine's workers when Config.Workers > 0.
func (a *App) Start(ctx context.Context) error {
	if err := a.serveAdmin(); err != nil {
		return err
	}
	a.servePprof()
	if err := a.Alerts.Start(ctx); err != nil {
		a.stopAdmin()
		return err
	}
	a.Housekeeper.Start(ctx)
	if a.Config.Workers > 0 {
		if err := a.Engine.Start(ctx); err != nil {
			a.Housekeeper.Stop()
			a.Alerts.Stop()
			a.stopAdmin()
			return fmt.Errorf("engine: %w", err)
		}
		if err := a.Scheduler.Start(ctx); err != nil {
			a.Engine.Stop()
			a.Housekeeper.Stop()
			a.Alerts.Stop()
			a.stopAdmin()
			return fmt.Errorf("scheduler: %w", err)
		}
		a.started = true
	}
	return nil
}

// Stop stops the engine (running blocks get SHUTDOWN_GRACE, then their runs
// are handed back to other workers), then the admin endpoints, which stay
// up meanwhile so the drain can be watched.
func (a *App) Stop() {
	a.Alerts.Stop()
	a.Housekeeper.Stop()
	if a.started {
		a.Scheduler.Stop() // first: no run is queued for an engine on its way out
		a.Engine.Stop()
	}
	a.stopAdmin()
}
