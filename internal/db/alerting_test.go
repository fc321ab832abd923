package db_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
)

// An evaluation stores an event and its outbox rows in one transaction;
// a sender's failed attempt leaves the row PENDING with its error, and a
// successful one marks it SENT. (internal/alerting tests the evaluator
// and the senders end to end.)
func TestAlertEvaluateAndDeliver(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	r, err := b.store.AlertRuleCreate(b.ctx, db.AlertRule{Name: "r", Condition: "cpu_usage >", Threshold: 1, Severity: "LOW",
		IsActive: true, NotificationChannels: []string{"webhook:https://a.example/x", "email:a@example.com"}})
	require.NoError(t, err)
	now := time.Now()
	evs, err := b.store.AlertEvaluate(b.ctx, func(got *db.AlertRule) db.AlertDecision {
		require.Equal(t, r.ID, got.ID)
		require.Equal(t, "OK", got.State)
		return db.AlertDecision{State: "FIRING", PendingSince: &now, Value: 5, Event: true}
	})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "FIRING", evs[0].State)
	require.Equal(t, r.ID, *evs[0].RuleID)

	var seen []string
	n, err := b.store.AlertDeliverDue(b.ctx, 10, func(items []db.OutboxItem) []db.AlertDeliveryResult {
		out := make([]db.AlertDeliveryResult, len(items))
		for i, it := range items {
			seen = append(seen, it.Delivery.Channel)
			require.Equal(t, evs[0].ID, it.Event.ID)
			out[i] = db.AlertDeliveryResult{Status: "SENT", RetryAt: time.Now()}
			if it.Delivery.Channel == "email:a@example.com" {
				out[i] = db.AlertDeliveryResult{Status: "PENDING", Err: "refused", RetryAt: time.Now().Add(time.Hour)}
			}
		}
		return out
	})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.ElementsMatch(t, []string{"webhook:https://a.example/x", "email:a@example.com"}, seen)
	n, err = b.store.AlertDeliverDue(b.ctx, 10, func([]db.OutboxItem) []db.AlertDeliveryResult {
		t.Fatal("nothing is due: one was sent, the other waits an hour")
		return nil
	})
	require.NoError(t, err)
	require.Zero(t, n)
	ds, err := b.store.AlertDeliveries(b.ctx, []uuid.UUID{evs[0].ID})
	require.NoError(t, err)
	status := map[string]string{}
	for _, d := range ds[evs[0].ID] {
		status[d.Channel] = d.Status + "/" + d.LastError
	}
	require.Equal(t, map[string]string{"webhook:https://a.example/x": "SENT/", "email:a@example.com": "PENDING/refused"}, status)

	rules, err := b.store.AlertRuleList(b.ctx)
	require.NoError(t, err)
	require.Equal(t, "FIRING", rules[0].State)
}

func TestQueuedRunsOldestAge(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	b.queued(u, b.graph(u))
	_, err := b.pool.Exec(b.ctx, `UPDATE graph_executions SET created_at = now() - interval '10 minutes' WHERE status = 'QUEUED'`)
	require.NoError(t, err)
	age, err := b.store.QueuedRunsOldestAge(b.ctx)
	require.NoError(t, err)
	require.InDelta(t, 10*time.Minute, age, float64(time.Minute))
}
