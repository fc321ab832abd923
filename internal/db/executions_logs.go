package db

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// ExecutionLog is one line of a run's log (the seed's ExecutionLog). It
// lives here rather than in model until the API needs more than reading it.
type ExecutionLog struct {
	ID              uuid.UUID
	ExecutionID     uuid.UUID
	NodeExecutionID *uuid.UUID
	NodeID          *uuid.UUID
	UserID          uuid.UUID
	Level           string // DEBUG INFO WARNING ERROR CRITICAL
	Message         string
	Metadata        json.RawMessage
	LoggedAt        time.Time
}

// ExecutionLogs pages through a run's log in order (keyset on (logged_at, id)).
// The cursor's Time is logged_at.
func (s *Store) ExecutionLogs(ctx context.Context, executionID uuid.UUID, after *Cursor, limit int) ([]ExecutionLog, error) {
	p := dbsqlc.ExecutionLogListParams{ExecutionID: executionID, Lim: int32(limit)}
	if after != nil {
		p.AfterLogged, p.AfterID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	rows, err := s.q.ExecutionLogList(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make([]ExecutionLog, len(rows))
	for i, r := range rows {
		l := ExecutionLog{ID: r.ID, ExecutionID: r.ExecutionID, UserID: r.UserID, Level: string(r.Level),
			Message: r.Message, Metadata: r.Metadata, LoggedAt: r.LoggedAt}
		if r.NodeExecutionID.Valid {
			id := r.NodeExecutionID.UUID
			l.NodeExecutionID = &id
		}
		if r.NodeID.Valid {
			id := r.NodeID.UUID
			l.NodeID = &id
		}
		out[i] = l
	}
	return out, nil
}

// ExecutionLogsDelete deletes up to limit log lines logged before before,
// oldest first, and says how many it deleted: LOG_RETENTION calls it in a
// loop, so each statement stays short.
func (s *Store) ExecutionLogsDelete(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.q.ExecutionLogDeleteBefore(ctx, s.db, dbsqlc.ExecutionLogDeleteBeforeParams{Before: before, Lim: int32(limit)})
}
