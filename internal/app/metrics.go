package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Every series agentgraph exports is registered in this file, so serve and
// worker export the same names and a dashboard works on either. The engine
// reports through its hooks (Options.OnRunStart, OnRunEnd, OnNodeEnd) and
// knows nothing of Prometheus.

// NewRegistry is a process's registry with the Go runtime and process
// collectors (memory, goroutines, CPU, open files).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// engineMetrics are the series of the engine this process runs.
type engineMetrics struct {
	started, takeovers prometheus.Counter
	finished, credits  *prometheus.CounterVec
	nodeRuns           *prometheus.HistogramVec
}

// registerEngineMetrics registers the engine's series and the queue-depth
// gauges on reg; hook them into the engine with hook.
func registerEngineMetrics(reg prometheus.Registerer, store *db.Store, logger *slog.Logger) *engineMetrics {
	m := &engineMetrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{Name: "agentgraph_runs_started_total",
			Help: "Runs this process's engine moved from QUEUED to RUNNING (children included)."}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{Name: "agentgraph_lease_takeovers_total",
			Help: "RUNNING runs this process's engine took over from another worker: its lease expired (it died or stalled) or it handed them back on shutdown."}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentgraph_runs_finished_total",
			Help: "Runs this process's engine brought to a terminal status, by status."}, []string{"status"}),
		nodeRuns: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "agentgraph_block_run_seconds",
			Help:    "Block runs (node executions) this process's engine finished, by block and status, and how long they ran.",
			Buckets: []float64{.0001, .001, .01, .1, 1, 10, 60, 600}}, []string{"block", "status"}),
		credits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "agentgraph_credits_charged_total",
			Help: "Credits the block runs this process's engine finished cost, by block: each run's charge less what was released of its reservation."}, []string{"block"}),
	}
	// Every terminal status exists from the start at 0, so a rate over a
	// status that has not happened yet is 0 rather than no data.
	for _, st := range []model.Status{model.StatusCompleted, model.StatusFailed, model.StatusCancelled, model.StatusTimeout} {
		m.finished.WithLabelValues(string(st))
	}
	reg.MustRegister(m.started, m.takeovers, m.finished, m.nodeRuns, m.credits, &queueCollector{store: store, log: logger})
	return m
}

// hook makes the engine built with o report into m.
func (m *engineMetrics) hook(o *engine.Options) {
	o.OnRunStart = func(_ uuid.UUID, resumed bool) {
		if resumed {
			m.takeovers.Inc()
		} else {
			m.started.Inc()
		}
	}
	o.OnRunEnd = func(_ uuid.UUID, st model.Status) { m.finished.WithLabelValues(string(st)).Inc() }
	o.OnNodeEnd = func(block string, st model.Status, seconds float64, credits int64) {
		m.nodeRuns.WithLabelValues(block, string(st)).Observe(seconds)
		m.credits.WithLabelValues(block).Add(float64(credits))
	}
}

var (
	queuedDesc = prometheus.NewDesc("agentgraph_runs_queued",
		"Top-level runs waiting for a worker, across all workers (read from Postgres at scrape time).", nil, nil)
	runningDesc = prometheus.NewDesc("agentgraph_runs_running",
		"Top-level runs a worker holds, across all workers (read from Postgres at scrape time).", nil, nil)
	oldestQueuedDesc = prometheus.NewDesc("agentgraph_runs_queued_oldest_seconds",
		"How long the oldest QUEUED top-level run has waited, in seconds; 0 when none waits (read from Postgres at scrape time).", nil, nil)
)

// queueScrapeTimeout bounds the queue-depth query of one scrape.
const queueScrapeTimeout = 2 * time.Second

// queueCollector reads the queue's depth from Postgres when scraped: the
// queue is the table, so there is no counter to keep in step with it, and
// one cheap indexed count per scrape costs less than a polling loop.
type queueCollector struct {
	store *db.Store
	log   *slog.Logger
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queuedDesc
	ch <- runningDesc
	ch <- oldestQueuedDesc
}

// Collect leaves the gauges out of a scrape when Postgres does not answer
// (a gap in the series, and /readyz says why) rather than failing the
// whole scrape and losing the process's other series with it.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueScrapeTimeout)
	defer cancel()
	d, err := c.store.ExecutionQueueDepth(ctx)
	if err != nil {
		c.log.Warn("reading the queue depth for /metrics", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(d.Queued))
	ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, float64(d.Running))
	ch <- prometheus.MustNewConstMetric(oldestQueuedDesc, prometheus.GaugeValue, d.OldestQueued.Seconds())
}

// RegisterHubMetrics registers the live-event hub's counters (serve).
func RegisterHubMetrics(reg prometheus.Registerer, hub *events.Hub) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_events_delivered_total",
			Help: "Events delivered to local subscribers."}, func() float64 { return float64(hub.Delivered()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_events_dropped_total",
			Help: "Events dropped for slow subscribers (they re-sync from Postgres)."}, func() float64 { return float64(hub.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "agentgraph_redis_reconnects_total",
			Help: "Redis subscription reconnects."}, func() float64 { return float64(hub.Reconnects()) }),
	)
}

// EventLagObserver registers the live-event lag histogram (serve) and
// returns what the hub reports into (events.HubOptions.ObserveLag).
func EventLagObserver(reg prometheus.Registerer) func(time.Duration) {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "agentgraph_event_lag_seconds",
		Help:    "How long after its change (the engine host's clock) an event reached this process's subscribers; events nobody here subscribes to are not counted.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	reg.MustRegister(h)
	return func(d time.Duration) { h.Observe(d.Seconds()) }
}

var (
	wsConnectionsDesc = prometheus.NewDesc("agentgraph_websocket_connections",
		"Websocket connections open on this process.", nil, nil)
	wsOperationsDesc = prometheus.NewDesc("agentgraph_websocket_subscriptions",
		"Operations running on this process's websockets: subscriptions (and a query or mutation sent over one, while it runs).", nil, nil)
)

// RegisterWebsocketMetrics registers the websocket gauges (serve), counted
// by stats when scraped.
func RegisterWebsocketMetrics(reg prometheus.Registerer, stats func() (connections, operations int)) {
	reg.MustRegister(websocketCollector(stats))
}

type websocketCollector func() (int, int)

func (c websocketCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- wsConnectionsDesc
	ch <- wsOperationsDesc
}

func (c websocketCollector) Collect(ch chan<- prometheus.Metric) {
	conns, ops := c()
	ch <- prometheus.MustNewConstMetric(wsConnectionsDesc, prometheus.GaugeValue, float64(conns))
	ch <- prometheus.MustNewConstMetric(wsOperationsDesc, prometheus.GaugeValue, float64(ops))
}
