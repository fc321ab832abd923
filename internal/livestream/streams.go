// Package livestream hands out the live streams of runs as domain values in
// order: what a GraphQL subscription (or any other consumer) forwards to a
// client, without knowing anything of GraphQL.
//
// A run's stream is a snapshot (the run and its node executions, read from
// Postgres) followed by every events.Event of the run in sequence order,
// with no gap and no duplicate, and it ends after the run's terminal event.
// Redis pub/sub may lose events, so Postgres stays the source of truth: the
// stream subscribes to the hub before it reads the snapshot, forwards only
// events newer than the snapshot, and reads the snapshot again on a
// sequence gap, a Redis reconnect, or a consumer too slow to keep up. A run
// that stays quiet is checked against Postgres, so a lost event (even the
// final one) is recovered instead of never arriving; the checks of all the
// process's streams due about together share one statement (quiet.go).
//
// A graph's stream reports the status changes of one user's runs of a
// graph; each run is read when the consumer takes the change, so what it
// sends is the newest state.
//
// A stream owns no goroutine: events are checked and handed over by the
// hub's reader through a callback, snapshots are read on short-lived
// goroutines, and the quiet check is a timer. Consumers take values through
// a sink that never blocks (RunSink, GraphSink); with one that delivers on
// demand (internal/livefeed under the websocket transport) an idle stream
// costs a few hundred bytes and no goroutine, which is what lets one server
// hold tens of thousands.
//
// What consumers show with an event beyond the event itself (the node it
// concerns, the run's outputs at its end) is read through Streams too, once
// per process for every stream that shows it (Node, EndOutputs; shown.go).
package livestream

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Bounds of one run stream's memory. A consumer may leave Buffer events
// waiting; one further behind loses its place and gets a fresh snapshot
// instead (it would be reading stale events anyway). Buffer must hold what
// one commit of a run publishes at once: about four events per node it
// moved (a 22-node chain run by speculation commits as one burst of about
// 90), handed over by the hub faster than any consumer takes them; at 64,
// most such runs had their snapshot read again mid-run. MaxHeld events may
// arrive while a snapshot is being read; more are dropped for the same
// reason: the snapshot that follows covers them.
const (
	Buffer  = 256
	MaxHeld = 256
)

// DefaultQuietCheck is how long a running run's stream may stay silent
// before it is checked against Postgres.
const DefaultQuietCheck = 3 * time.Second

// Store reads runs from Postgres (db.Store).
type Store interface {
	// ExecutionSnapshot reads a run and its node executions in one
	// consistent read.
	ExecutionSnapshot(ctx context.Context, id uuid.UUID) (*model.ExecutionSnapshot, error)
	// ExecutionGet reads a run.
	ExecutionGet(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error)
	// ExecutionsByIDs reads the runs found among ids in one statement (the
	// batched quiet checks).
	ExecutionsByIDs(ctx context.Context, ids []uuid.UUID) ([]*model.GraphExecution, error)
	// NodesByGraphs reads the nodes of graph versions.
	NodesByGraphs(ctx context.Context, keys []model.GraphKey) (map[model.GraphKey][]model.Node, error)
	// ExecutionOutputs reads a run's status and outputs.
	ExecutionOutputs(ctx context.Context, id uuid.UUID) (model.Status, json.RawMessage, error)
}

// Hub is the process's one Redis subscription, fanned out locally
// (events.Hub). Callbacks run on its reader goroutine; fn(nil) means events
// may have been missed.
type Hub interface {
	SubscribeExecutionFunc(executionID string, fn func(*events.Event)) *events.Subscription
	SubscribeGraphFunc(graphID string, fn func(*events.Event)) *events.Subscription
}

// Options tunes Streams; zero values pick the defaults.
type Options struct {
	// QuietCheck is how long a running run's stream may stay silent before
	// it is checked against Postgres (default DefaultQuietCheck).
	QuietCheck time.Duration
	// Logger receives failed re-reads; nil discards.
	Logger *slog.Logger
	// NodesBudget and OutputsBudget bound the bytes held by the shared
	// reads of graph versions' nodes and of ended runs' outputs (Node,
	// EndOutputs; defaults DefaultNodesBudget, DefaultOutputsBudget).
	NodesBudget, OutputsBudget int
}

// Streams opens live streams on one store and one hub.
type Streams struct {
	store   Store
	hub     Hub
	quiet   time.Duration
	log     *slog.Logger
	nodes   *cache[model.GraphKey, graphNodes]
	outputs *cache[uuid.UUID, json.RawMessage]
	// quietChecks batches the run streams' quiet checks.
	quietChecks *quietChecks
}

// New returns Streams reading from store and listening on hub.
func New(store Store, hub Hub, opts Options) *Streams {
	if opts.QuietCheck <= 0 {
		opts.QuietCheck = DefaultQuietCheck
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.NodesBudget <= 0 {
		opts.NodesBudget = DefaultNodesBudget
	}
	if opts.OutputsBudget <= 0 {
		opts.OutputsBudget = DefaultOutputsBudget
	}
	s := &Streams{store: store, hub: hub, quiet: opts.QuietCheck, log: opts.Logger.With("component", "livestream")}
	s.nodes = newCache(opts.NodesBudget, s.readNodes)
	s.outputs = newCache(opts.OutputsBudget, s.readOutputs)
	s.quietChecks = newQuietChecks(s)
	return s
}

// PartialReader is a Hub that keeps the text so far of streaming nodes
// (events.Hub): a stream hands it over right after each snapshot.
type PartialReader interface {
	Partials(ctx context.Context, executionID string) ([]*events.Event, error)
}

// partials reads the text so far of the run's nodes still streaming, less
// those whose node execution the snapshot shows ended or holding the pin's
// final value (its text is complete there). A failed read is logged and
// skipped: the text that follows still arrives.
func (s *Streams) partials(ctx context.Context, snap *model.ExecutionSnapshot) []*events.Event {
	pr, ok := s.hub.(PartialReader)
	if !ok || snap.Execution.Status.IsTerminal() {
		return nil
	}
	evs, err := pr.Partials(ctx, snap.Execution.ID.String())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reading partial texts failed", "execution", snap.Execution.ID, "err", err)
		}
		return nil
	}
	if len(evs) == 0 {
		return nil
	}
	done := map[string]bool{}
	for _, ne := range snap.NodeExecutions {
		id := ne.ID.String()
		if ne.Status.IsTerminal() {
			done[id] = true
			continue
		}
		var outs map[string]json.RawMessage
		if json.Unmarshal(ne.Outputs, &outs) == nil {
			for pin := range outs {
				done[id+"|"+pin] = true
			}
		}
	}
	kept := evs[:0]
	for _, ev := range evs {
		if !done[ev.NodeExecutionID] && !done[ev.NodeExecutionID+"|"+ev.Pin] {
			kept = append(kept, ev)
		}
	}
	return kept
}
