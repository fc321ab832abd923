package db

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// AlertRule is the seed's AlertRule.
type AlertRule struct {
	ID                   uuid.UUID
	Name                 string
	Condition            string
	Threshold            float64
	Severity             string
	IsActive             bool
	NotificationChannels []string
	CreatedAt            time.Time
	// For is how long the condition must hold before the rule fires (0: at once).
	For time.Duration
	// State is OK, PENDING (holding for less than For) or FIRING.
	State string
	// PendingSince is when the condition started holding, while PENDING or FIRING.
	PendingSince *time.Time
}

// AlertRuleCreate stores a rule; a taken name is a conflict.
func (s *Store) AlertRuleCreate(ctx context.Context, r AlertRule) (*AlertRule, error) {
	if r.NotificationChannels == nil {
		r.NotificationChannels = []string{}
	}
	row, err := s.q.AlertRuleInsert(ctx, s.db, dbsqlc.AlertRuleInsertParams{Name: r.Name, Condition: r.Condition,
		Threshold: r.Threshold, Severity: dbsqlc.AlertSeverity(r.Severity), IsActive: r.IsActive,
		NotificationChannels: r.NotificationChannels, ForSeconds: int32(r.For / time.Second)})
	if err != nil {
		if code, _ := constraint(err); code == codeUniqueViolation {
			return nil, model.ConflictError("an alert rule named %q exists", r.Name)
		}
		return nil, err
	}
	return alertFromRow(row), nil
}

// AlertRuleList lists every rule.
func (s *Store) AlertRuleList(ctx context.Context) ([]*AlertRule, error) {
	rows, err := s.q.AlertRuleList(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]*AlertRule, len(rows))
	for i, r := range rows {
		out[i] = alertFromRow(r)
	}
	return out, nil
}

// AlertRuleDelete deletes a rule.
func (s *Store) AlertRuleDelete(ctx context.Context, id uuid.UUID) error {
	n, err := s.q.AlertRuleDelete(ctx, s.db, id)
	if err == nil && n == 0 {
		return model.NotFound("alert rule")
	}
	return err
}

func alertFromRow(r dbsqlc.AlertRule) *AlertRule {
	return &AlertRule{ID: r.ID, Name: r.Name, Condition: r.Condition, Threshold: r.Threshold, Severity: string(r.Severity),
		IsActive: r.IsActive, NotificationChannels: r.NotificationChannels, CreatedAt: r.CreatedAt,
		For: time.Duration(r.ForSeconds) * time.Second, State: string(r.State), PendingSince: r.PendingSince}
}
