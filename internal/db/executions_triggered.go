package db

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TriggeredRun is a run a schedule or a webhook starts: stored QUEUED, for
// any worker to claim.
type TriggeredRun struct {
	NewExecution
	Trigger model.Trigger
}

// insertTriggered stores QUEUED runs in one statement and, when there are
// any, notifies the workers once (every claim loop claims many at a time).
// Called inside the caller's transaction, so the NOTIFY goes out on commit.
func (s *Store) insertTriggered(ctx context.Context, runs []TriggeredRun) ([]*model.GraphExecution, error) {
	if len(runs) == 0 {
		return nil, nil
	}
	type row struct {
		ID           uuid.UUID       `json:"id"`
		GraphID      uuid.UUID       `json:"graph_id"`
		GraphVersion int             `json:"graph_version"`
		UserID       uuid.UUID       `json:"user_id"`
		Inputs       any             `json:"inputs"`
		UserContext  json.RawMessage `json:"user_context"`
		TriggerKind  string          `json:"trigger_kind"`
		ScheduleID   *uuid.UUID      `json:"schedule_id"`
		WebhookID    *uuid.UUID      `json:"webhook_id"`
		DeliveryID   *string         `json:"delivery_id"`
	}
	rows := make([]row, len(runs))
	for i, r := range runs {
		uc, _ := json.Marshal(r.UserContext)
		inputs := any(r.Inputs)
		if r.Inputs == nil {
			inputs = map[string]any{}
		}
		rows[i] = row{r.ID, r.GraphID, r.GraphVersion, r.UserID, inputs, uc, string(r.Trigger.Kind),
			r.Trigger.ScheduleID, r.Trigger.WebhookID, r.Trigger.DeliveryID}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return nil, model.Invalid("inputs", "not JSON-encodable: %v", err)
	}
	got, err := s.q.GraphExecutionInsertTriggered(ctx, s.db, dbsqlc.GraphExecutionInsertTriggeredParams{Stats: newRunStats, Runs: b})
	if err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionQueued, got[0].ID.String()); err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]*model.GraphExecution, len(got))
	for _, r := range got {
		byID[r.ID] = executionFromRow(r)
	}
	out := make([]*model.GraphExecution, len(runs))
	for i, r := range runs {
		out[i] = byID[r.ID]
	}
	return out, nil
}
