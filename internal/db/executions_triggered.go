package db

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TriggeredRun is a run a schedule or a webhook starts: stored QUEUED, for
// any worker to claim.
type TriggeredRun struct {
	NewExecution
	Trigger model.Trigger
	// NotBefore: no worker claims the run earlier (nil: at once).
	NotBefore *time.Time
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
		NotBefore    *time.Time      `json:"not_before"`
	}
	rows := make([]row, len(runs))
	for i, r := range runs {
		uc, _ := json.Marshal(r.UserContext)
		inputs := any(r.Inputs)
		if r.Inputs == nil {
			inputs = map[string]any{}
		}
		rows[i] = row{r.ID, r.GraphID, r.GraphVersion, r.UserID, inputs, uc, string(r.Trigger.Kind),
			r.Trigger.ScheduleID, r.Trigger.WebhookID, r.Trigger.DeliveryID, r.NotBefore}
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

// ExecutionsExisting says which of these runs are still stored.
func (s *Store) ExecutionsExisting(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	got, err := s.q.GraphExecutionIDsExisting(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]bool, len(got))
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}

// NotifyExecutionQueued wakes every worker's claim loop (id: one of the
// runs now claimable), as storing a QUEUED run does.
func (s *Store) NotifyExecutionQueued(ctx context.Context, id uuid.UUID) error {
	_, err := s.db.Exec(ctx, "SELECT pg_notify($1, $2)", ChannelExecutionQueued, id.String())
	return err
}
