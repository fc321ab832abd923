package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/livefeed"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/model"
)

// ExecutionEvents streams a snapshot, then every event in seq order with no
// gap and no duplicate, and completes after the terminal event
// (internal/livestream keeps that promise; internal/livefeed feeds it to
// the operation).
func (r *subscriptionResolver) ExecutionEvents(ctx context.Context, executionID string) (<-chan *gql.ExecutionEvent, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("executionId", executionID)
	if err != nil {
		return nil, err
	}
	// The run is read once, by the stream's first snapshot, which is also
	// where ownership is checked (as ownExecution would): another user's run
	// is NOT_FOUND before anything of it is handed over. Every event of the
	// run is of the graph version it runs; the version lets an event's node
	// be found (ExecutionEvent.node). Events are mapped only after the
	// snapshot was handed over, so after version is set.
	// The version's secret input nodes are read (once per process) with
	// the snapshot too: their events' values are masked (secrets.go).
	var version int
	var secret map[string]bool
	own := func(e *model.GraphExecution) error {
		if !authz.IsOwner(u, e.UserID) {
			return model.NotFound("execution")
		}
		k := model.GraphKey{ID: e.GraphID, Version: e.GraphVersion}
		s, err := r.secretsOf(ctx, k)
		if err != nil {
			return err
		}
		version, secret = e.GraphVersion, s[k].nodes
		return nil
	}
	return livefeed.Run(ctx, r.Streams, id, livefeed.User(u.ID), own,
		func(snap *model.ExecutionSnapshot) *gql.ExecutionEvent { return r.toSnapshotEvent(ctx, snap) },
		func(ev *events.Event) *gql.ExecutionEvent {
			out := toEvent(ev, version)
			if out.Value != nil && secret[ev.NodeID] {
				out.Value = gqlscalar.JSON(maskJSON)
			}
			return out
		})
}

// GraphExecutions streams the status changes of the caller's runs of a graph.
func (r *subscriptionResolver) GraphExecutions(ctx context.Context, graphID string) (<-chan *gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	// A version's id names its graph: runs of every version are sent.
	ref, err := lookupGraph("graphId", graphID)
	if err != nil {
		return nil, err
	}
	gid := ref.id
	if _, err := r.GraphService.Get(ctx, u.ID, gid, ref.version); err != nil {
		return nil, err
	}
	return livefeed.Graph(ctx, r.Streams, gid, u.ID, func(e *model.GraphExecution) *gql.GraphExecution { return r.toExecution(ctx, e) }), nil
}

// toSnapshotEvent is a run's SNAPSHOT event: the run with its node
// executions, as of the snapshot's last event.
func (r *Resolver) toSnapshotEvent(ctx context.Context, snap *model.ExecutionSnapshot) *gql.ExecutionEvent {
	ex := r.toExecution(ctx, snap.Execution)
	ex.NodeExecutions = make([]*gql.NodeExecution, len(snap.NodeExecutions))
	for i := range snap.NodeExecutions {
		ex.NodeExecutions[i] = toNodeExecution(&snap.NodeExecutions[i])
		ex.NodeExecutions[i].GraphID, ex.NodeExecutions[i].GraphVersion = ex.GraphID, ex.GraphVersion
	}
	st := gql.ExecutionStatus(snap.Execution.Status)
	return &gql.ExecutionEvent{Seq: int(snap.Execution.LastSeq), Kind: gql.ExecutionEventKindSnapshot, ExecutionID: ex.ID,
		GraphID: ex.GraphID, GraphVersion: ex.GraphVersion, Status: &st, At: snap.At, Execution: ex, Outputs: ex.Outputs}
}

// toEvent maps one event of a run of graph version version. It is made for
// every frame of every subscriber, so it allocates the event alone: its
// optional strings point into ev (the hub's, read-only for everyone) and
// its status at a shared constant.
func toEvent(ev *events.Event, version int) *gql.ExecutionEvent {
	out := &gql.ExecutionEvent{Seq: int(ev.Seq), Kind: gql.ExecutionEventKind(ev.Kind), ExecutionID: ev.ExecutionID,
		GraphID: ev.GraphID, GraphVersion: version, ValueTruncated: ev.ValueTruncated, At: ev.At}
	if ev.Status != "" {
		out.Status = statusPtr(ev.Status)
	}
	out.NodeID = fieldPtr(&ev.NodeID)
	out.NodeExecutionID = fieldPtr(&ev.NodeExecutionID)
	out.Pin = fieldPtr(&ev.Pin)
	out.Error = fieldPtr(&ev.Error)
	if len(ev.Value) > 0 {
		out.Value = gqlscalar.JSON(ev.Value)
	}
	if len(ev.Outputs) > 0 && ev.Terminal() {
		out.Outputs = gqlscalar.JSON(ev.Outputs) // else EventOutputs reads them
	}
	return out
}

// fieldPtr is f, or nil when *f is empty (a field the event does not have).
func fieldPtr(f *string) *string {
	if *f == "" {
		return nil
	}
	return f
}

// statuses are the ExecutionStatus values events point at (statusPtr).
var statuses = func() map[string]*gql.ExecutionStatus {
	m := make(map[string]*gql.ExecutionStatus, len(gql.AllExecutionStatus))
	for _, st := range gql.AllExecutionStatus {
		m[string(st)] = &st
	}
	return m
}()

// statusPtr is status as the model's pointer: a shared one for the known
// values (read-only, as every mapped event is).
func statusPtr(status string) *gql.ExecutionStatus {
	if p, ok := statuses[status]; ok {
		return p
	}
	st := gql.ExecutionStatus(status)
	return &st
}

// Node is the event's node, from the graph version's nodes that the live
// streams read once per process: showing it costs no read per event, nor
// per subscriber. It is resolved while the event is rendered, on the
// transport's delivery path, never on the hub's callback. That read has no
// links, so a selection of the node's required inputs (which depend on
// them) is answered from the operation's own index of the version instead:
// one read per operation, as for any node.
func (r *executionEventResolver) Node(ctx context.Context, obj *gql.ExecutionEvent) (*gql.Node, error) {
	if obj.NodeID == nil {
		return nil, nil
	}
	if selects(ctx, "Node", "requiredInputs") {
		n, err := r.graphNode(ctx, obj.GraphID, obj.GraphVersion, *obj.NodeID)
		return n, nilIfNotFound(err)
	}
	gid, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	nid, err := uuid.Parse(*obj.NodeID)
	if err != nil {
		return nil, err
	}
	n, err := r.Streams.Node(ctx, model.GraphKey{ID: gid, Version: obj.GraphVersion}, nid)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return r.toNode(n, n.GraphID.String()), nil
}

// selects reports whether the field being resolved selects child on its
// value, an object of type typ (fragments and @skip/@include followed).
func selects(ctx context.Context, typ, child string) bool {
	return selection(ctx, typ)[child]
}

// selection is the names of the fields the field being resolved selects on
// its value, an object (or list of objects) of type typ.
func selection(ctx context.Context, typ string) map[string]bool {
	fields := graphql.CollectFieldsCtx(ctx, []string{typ})
	out := make(map[string]bool, len(fields))
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}

// Outputs are a SNAPSHOT's own, and the run's end's when its engine sent
// them with the event (small ones: the event crosses Redis to every API
// process, wanted or not); otherwise the event that ends the run reads them
// once per process for every subscriber that shows the end.
func (r *executionEventResolver) Outputs(ctx context.Context, obj *gql.ExecutionEvent) (gqlscalar.JSON, error) {
	return r.EventOutputs(ctx, obj)
}

// EventOutputs is ExecutionEvent.outputs, exported for internal/server's
// rendering of events outside the executor.
func (r *Resolver) EventOutputs(ctx context.Context, obj *gql.ExecutionEvent) (gqlscalar.JSON, error) {
	if obj.Outputs != nil || !endsRun(obj) {
		return obj.Outputs, nil
	}
	id, err := uuid.Parse(obj.ExecutionID)
	if err != nil {
		return nil, err
	}
	raw, err := r.Streams.EndOutputs(ctx, id)
	if err != nil {
		return nil, nilIfNotFound(err) // deleted since it ended: nothing to show
	}
	return jsonOr(raw, "{}"), nil
}

// endsRun reports whether obj is the GRAPH_STATUS event of a final status
// (events.Event.Terminal).
func endsRun(obj *gql.ExecutionEvent) bool {
	return obj.Kind == gql.ExecutionEventKindGraphStatus && obj.Status != nil &&
		model.Status(*obj.Status).IsTerminal()
}

// ExecutionLogs streams one of the caller's runs' log lines.
func (r *subscriptionResolver) ExecutionLogs(ctx context.Context, executionID string, minLevel *gql.LogLevel) (<-chan *gql.ExecutionLog, error) {
	e, err := r.ownExecution(ctx, "executionId", executionID)
	if err != nil {
		return nil, err
	}
	level := "DEBUG"
	if minLevel != nil {
		level = string(*minLevel)
	}
	in := livestream.Logs(ctx, r.Store, e.ID, level, 0)
	out := make(chan *gql.ExecutionLog)
	go func() {
		defer close(out)
		for l := range in {
			select {
			case out <- toExecutionLog(l):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
