package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// ExecutionGet returns a run by id. It does not check ownership: callers do.
func (s *Store) ExecutionGet(ctx context.Context, id uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionGet(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "execution")
	}
	return executionFromRow(row), nil
}

// ExecutionsByIDs returns the runs found among ids (one statement; the
// execution dataloader). Order is not significant.
func (s *Store) ExecutionsByIDs(ctx context.Context, ids []uuid.UUID) ([]*model.GraphExecution, error) {
	rows, err := s.q.GraphExecutionGetMany(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.GraphExecution, len(rows))
	for i, r := range rows {
		out[i] = executionFromRow(r)
	}
	return out, nil
}

// ExecutionList pages through a user's runs, newest first, optionally of one
// graph and/or in one status. Keyset on (created_at, id), so a page costs
// the same at any depth (idx_graph_exec_user / idx_graph_exec_graph).
func (s *Store) ExecutionList(ctx context.Context, userID uuid.UUID, graphID *uuid.UUID, status *model.Status, after *Cursor, limit int) ([]*model.GraphExecution, error) {
	var st dbsqlc.NullExecutionStatus
	if status != nil {
		st = dbsqlc.NullExecutionStatus{ExecutionStatus: dbsqlc.ExecutionStatus(*status), Valid: true}
	}
	var rows []dbsqlc.GraphExecution
	var err error
	if graphID != nil {
		p := dbsqlc.GraphExecutionListByGraphParams{GraphID: *graphID, UserID: userID, Status: st, Lim: int32(limit)}
		if after != nil {
			p.BeforeCreated, p.BeforeID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
		}
		rows, err = s.q.GraphExecutionListByGraph(ctx, s.db, p)
	} else {
		p := dbsqlc.GraphExecutionListByUserParams{UserID: userID, Status: st, Lim: int32(limit)}
		if after != nil {
			p.BeforeCreated, p.BeforeID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
		}
		rows, err = s.q.GraphExecutionListByUser(ctx, s.db, p)
	}
	if err != nil {
		return nil, err
	}
	out := make([]*model.GraphExecution, len(rows))
	for i, r := range rows {
		out[i] = executionFromRow(r)
	}
	return out, nil
}

// NodeExecutionsByExecutions returns the node executions of many runs in
// one statement, each run's in creation order.
func (s *Store) NodeExecutionsByExecutions(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]model.NodeExecution, error) {
	rows, err := s.q.NodeExecutionListByExecutions(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]model.NodeExecution, len(ids))
	for _, r := range rows {
		out[r.GraphExecutionID] = append(out[r.GraphExecutionID], nodeExecutionFromRow(r))
	}
	return out, nil
}

// NodeExecutionsWithoutValues is NodeExecutionsByExecutions without the
// inputs and outputs (left empty), for lists that do not show them.
func (s *Store) NodeExecutionsWithoutValues(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]model.NodeExecution, error) {
	rows, err := s.q.NodeExecutionListByExecutionsWithoutValues(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]model.NodeExecution, len(ids))
	for _, r := range rows {
		out[r.GraphExecutionID] = append(out[r.GraphExecutionID], nodeExecutionFromRow(dbsqlc.NodeExecution{ID: r.ID,
			GraphExecutionID: r.GraphExecutionID, NodeID: r.NodeID, Status: r.Status, CreatedAt: r.CreatedAt,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt, ErrorMessage: r.ErrorMessage, Stats: r.Stats}))
	}
	return out, nil
}

// ExecutionSetShared shares (with a fresh unguessable token) or unshares
// (dropping the token, so old links stop working) one of the user's runs.
func (s *Store) ExecutionSetShared(ctx context.Context, userID, id uuid.UUID, shared bool) (*model.GraphExecution, error) {
	p := dbsqlc.GraphExecutionSetSharedParams{ID: id, UserID: userID, IsShared: shared}
	if shared {
		cur, err := s.q.GraphExecutionGet(ctx, s.db, id)
		if err != nil || cur.UserID != userID {
			return nil, model.NotFound("execution")
		}
		if cur.IsShared && cur.ShareToken != nil {
			return executionFromRow(cur), nil
		}
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		tok := base64.RawURLEncoding.EncodeToString(b)
		p.ShareToken = &tok
	}
	row, err := s.q.GraphExecutionSetShared(ctx, s.db, p)
	if err != nil {
		return nil, notFound(err, "execution")
	}
	return executionFromRow(row), nil
}

// ExecutionGetByShareToken returns the shared run a token opens.
func (s *Store) ExecutionGetByShareToken(ctx context.Context, token string) (*model.GraphExecution, error) {
	if token == "" {
		return nil, model.NotFound("execution")
	}
	row, err := s.q.GraphExecutionGetByShareToken(ctx, s.db, &token)
	if err != nil {
		return nil, notFound(err, "execution")
	}
	return executionFromRow(row), nil
}

// ExecutionChildOf returns the child run an AGENT node execution started.
func (s *Store) ExecutionChildOf(ctx context.Context, nodeExecutionID uuid.UUID) (*model.GraphExecution, error) {
	row, err := s.q.GraphExecutionGetByParent(ctx, s.db, uuid.NullUUID{UUID: nodeExecutionID, Valid: true})
	if err != nil {
		return nil, notFound(err, "child execution")
	}
	return executionFromRow(row), nil
}

// ExecutionOutputs returns a run's status and outputs (one narrow read:
// live streams show the outputs when a run ends).
func (s *Store) ExecutionOutputs(ctx context.Context, id uuid.UUID) (model.Status, json.RawMessage, error) {
	row, err := s.q.GraphExecutionOutputs(ctx, s.db, id)
	if err != nil {
		return "", nil, notFound(err, "execution")
	}
	return model.Status(row.Status), row.Outputs, nil
}

func executionFromRow(r dbsqlc.GraphExecution) *model.GraphExecution {
	e := &model.GraphExecution{
		ID: r.ID, GraphID: r.GraphID, GraphVersion: int(r.GraphVersion), UserID: r.UserID,
		Status: model.Status(r.Status), Inputs: r.Inputs, Outputs: r.Outputs, CreatedAt: r.CreatedAt,
		StartedAt: r.StartedAt, EndedAt: r.EndedAt, ErrorMessage: r.ErrorMessage, IsShared: r.IsShared,
		ShareToken: r.ShareToken, LastSeq: r.LastSeq, LogLevel: string(r.LogLevel), NotBefore: r.NotBefore,
		Trigger: model.Trigger{Kind: model.TriggerKind(r.TriggerKind), ScheduleID: nullID(r.ScheduleID),
			WebhookID: nullID(r.WebhookID), DeliveryID: r.DeliveryID},
	}
	if r.MaxCost.Valid {
		v := r.MaxCost.Int64
		e.MaxCost = &v
	}
	if r.TraceContext != nil {
		e.TraceContext = *r.TraceContext
	}
	_ = json.Unmarshal(r.Stats, &e.Stats)
	_ = json.Unmarshal(r.UserContext, &e.UserContext)
	if r.ParentNodeExecutionID.Valid {
		id := r.ParentNodeExecutionID.UUID
		e.ParentNodeExecutionID = &id
	}
	return e
}

func nullID(id uuid.NullUUID) *uuid.UUID {
	if !id.Valid {
		return nil
	}
	v := id.UUID
	return &v
}

func nodeExecutionFromRow(r dbsqlc.NodeExecution) model.NodeExecution {
	n := model.NodeExecution{
		ID: r.ID, GraphExecutionID: r.GraphExecutionID, NodeID: r.NodeID, Status: model.Status(r.Status),
		Inputs: r.Inputs, Outputs: r.Outputs, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		EndedAt: r.EndedAt, ErrorMessage: r.ErrorMessage,
	}
	decodeNodeStats(r.Stats, &n.Stats)
	return n
}
