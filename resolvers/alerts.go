package resolvers

import (
	"context"
	"strings"
	"time"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/alerting"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
)

func toAlertRule(r *db.AlertRule) *gql.AlertRule {
	return &gql.AlertRule{ID: r.ID.String(), Name: r.Name, Condition: r.Condition, Threshold: r.Threshold,
		Severity: gql.AlertSeverity(r.Severity), IsActive: r.IsActive, NotificationChannels: r.NotificationChannels,
		CreatedAt: r.CreatedAt, ForSeconds: int(r.For / time.Second), State: gql.AlertState(r.State)}
}

func (r *queryResolver) AlertRules(ctx context.Context) ([]*gql.AlertRule, error) {
	rules, err := r.Store.AlertRuleList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.AlertRule, len(rules))
	for i, a := range rules {
		out[i] = toAlertRule(a)
	}
	return out, nil
}

func (r *mutationResolver) CreateAlertRule(ctx context.Context, in gql.AlertRuleInput) (*gql.AlertRule, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, model.Invalid("input.name", "must be 1 to 100 characters")
	}
	// The built-in late-run rule's events carry this name: a rule of the
	// same name would make them indistinguishable.
	if strings.EqualFold(name, alerting.LateRunRule) {
		return nil, model.Invalid("input.name", "%q is the built-in late-run rule's name", alerting.LateRunRule)
	}
	if _, _, err := sysmetrics.ParseCondition(in.Condition); err != nil {
		return nil, model.Invalid("input.condition", "%v", err)
	}
	for _, ch := range in.NotificationChannels {
		if _, _, err := alerting.ParseChannel(ch); err != nil {
			return nil, model.Invalid("notificationChannels", "%v", err)
		}
	}
	forSeconds := 0
	if in.ForSeconds != nil {
		forSeconds = *in.ForSeconds
		if forSeconds < 0 || forSeconds > 86400 {
			return nil, model.Invalid("forSeconds", "must be 0 to 86400")
		}
	}
	rule, err := r.Store.AlertRuleCreate(ctx, db.AlertRule{Name: name, Condition: in.Condition, Threshold: in.Threshold,
		Severity: string(in.Severity), IsActive: in.IsActive == nil || *in.IsActive, NotificationChannels: in.NotificationChannels,
		For: time.Duration(forSeconds) * time.Second})
	if err != nil {
		return nil, err
	}
	return toAlertRule(rule), nil
}

func (r *mutationResolver) DeleteAlertRule(ctx context.Context, id string) (bool, error) {
	rid, err := parseID("id", id)
	if err != nil {
		return false, err
	}
	return true, r.Store.AlertRuleDelete(ctx, rid)
}

// Triggered evaluates an active rule against a fresh metrics sample.
func (r *alertRuleResolver) Triggered(ctx context.Context, obj *gql.AlertRule) (bool, error) {
	if !obj.IsActive {
		return false, nil
	}
	m, err := r.Metrics.Sample(ctx)
	if err != nil {
		return false, err
	}
	return sysmetrics.Evaluate(m, obj.Condition, obj.Threshold), nil
}
