package resolvers

import (
	"context"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/livefeed"
	"github.com/agentgraph/agentgraph/internal/model"
)

// ExecutionEvents streams a snapshot, then every event in seq order with no
// gap and no duplicate, and completes after the terminal event
// (internal/livestream keeps that promise; internal/livefeed feeds it to
// the operation).
func (r *subscriptionResolver) ExecutionEvents(ctx context.Context, executionID string) (<-chan *gql.ExecutionEvent, error) {
	e, err := r.ownExecution(ctx, executionID)
	if err != nil {
		return nil, err
	}
	return livefeed.Run(ctx, r.Streams, e.ID, livefeed.User(e.UserID), toSnapshotEvent, toEvent)
}

// GraphExecutions streams the status changes of the caller's runs of a graph.
func (r *subscriptionResolver) GraphExecutions(ctx context.Context, graphID string) (<-chan *gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, err := lookupID("graph", graphID)
	if err != nil {
		return nil, err
	}
	if _, err := r.GraphService.Get(ctx, u.ID, gid, 0); err != nil {
		return nil, err
	}
	return livefeed.Graph(ctx, r.Streams, gid, u.ID, toExecution), nil
}

// toSnapshotEvent is a run's SNAPSHOT event: the run with its node
// executions, as of the snapshot's last event.
func toSnapshotEvent(snap *model.ExecutionSnapshot) *gql.ExecutionEvent {
	ex := toExecution(snap.Execution)
	ex.NodeExecutions = make([]*gql.NodeExecution, len(snap.NodeExecutions))
	for i := range snap.NodeExecutions {
		ex.NodeExecutions[i] = toNodeExecution(&snap.NodeExecutions[i])
		ex.NodeExecutions[i].GraphID, ex.NodeExecutions[i].GraphVersion = ex.GraphID, ex.GraphVersion
	}
	st := gql.ExecutionStatus(snap.Execution.Status)
	return &gql.ExecutionEvent{Seq: int(snap.Execution.LastSeq), Kind: gql.ExecutionEventKindSnapshot, ExecutionID: ex.ID,
		GraphID: ex.GraphID, Status: &st, At: snap.At, Execution: ex}
}

func toEvent(ev *events.Event) *gql.ExecutionEvent {
	out := &gql.ExecutionEvent{Seq: int(ev.Seq), Kind: gql.ExecutionEventKind(ev.Kind), ExecutionID: ev.ExecutionID,
		GraphID: ev.GraphID, ValueTruncated: ev.ValueTruncated, At: ev.At}
	if ev.Status != "" {
		st := gql.ExecutionStatus(ev.Status)
		out.Status = &st
	}
	out.NodeID = strPtr(ev.NodeID)
	out.NodeExecutionID = strPtr(ev.NodeExecutionID)
	out.Pin = strPtr(ev.Pin)
	out.Error = strPtr(ev.Error)
	if len(ev.Value) > 0 {
		out.Value = gqlscalar.JSON(ev.Value)
	}
	return out
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
