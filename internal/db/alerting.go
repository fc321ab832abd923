package db

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// AlertEvent is a change of a rule's state to FIRING or back to OK.
type AlertEvent struct {
	Seq       int64
	ID        uuid.UUID
	RuleID    *uuid.UUID // nil once the rule is deleted
	RuleName  string
	Severity  string
	State     string
	Value     float64
	Threshold float64
	At        time.Time
}

// AlertDelivery is one event's notification on one channel (the outbox row).
type AlertDelivery struct {
	ID            uuid.UUID
	EventID       uuid.UUID
	Channel       string
	Status        string // PENDING, SENT, FAILED
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	SentAt        *time.Time
}

// AlertDecision is what an evaluation decides for one rule: its new state,
// since when its condition holds, and whether the change is an event.
type AlertDecision struct {
	State        string
	PendingSince *time.Time
	Value        float64
	Event        bool // a change to FIRING or back to OK: stored and notified
}

// AlertDeliveryResult is the outcome of one attempt: SENT, or PENDING again at
// RetryAt, or FAILED for good.
type AlertDeliveryResult struct {
	Status  string
	Err     string
	RetryAt time.Time
}

// OutboxItem is a due delivery with its event.
type OutboxItem struct {
	Delivery AlertDelivery
	Event    AlertEvent
}

// LeaseAcquire takes or renews the named lease for holder for ttl; false
// when another holder's lease has not expired.
func (s *Store) LeaseAcquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	_, err := s.q.LeaseAcquire(ctx, s.db, dbsqlc.LeaseAcquireParams{Name: name, Holder: holder, TtlSeconds: ttl.Seconds()})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// LeaseRelease gives the lease up (when holder has it), so another process
// takes over at once instead of after the lease expires.
func (s *Store) LeaseRelease(ctx context.Context, name, holder string) error {
	return s.q.LeaseRelease(ctx, s.db, dbsqlc.LeaseReleaseParams{Name: name, Holder: holder})
}

// AlertRuleEnsure creates a built-in rule, or brings its condition,
// threshold and channels in line with the configuration.
func (s *Store) AlertRuleEnsure(ctx context.Context, r AlertRule) error {
	if r.NotificationChannels == nil {
		r.NotificationChannels = []string{}
	}
	return s.q.AlertRuleEnsure(ctx, s.db, dbsqlc.AlertRuleEnsureParams{Name: r.Name, Condition: r.Condition,
		Threshold: r.Threshold, Severity: dbsqlc.AlertSeverity(r.Severity), NotificationChannels: r.NotificationChannels})
}

// AlertEvaluate decides every active rule's new state in one transaction;
// a decision that is an event is stored with one outbox row per channel of
// the rule in that same transaction, so a notification exists exactly when
// its event does. It returns the events stored.
func (s *Store) AlertEvaluate(ctx context.Context, decide func(*AlertRule) AlertDecision) ([]*AlertEvent, error) {
	var out []*AlertEvent
	err := s.InTx(ctx, func(tx *Store) error {
		out = nil
		rows, err := tx.q.AlertRulesActiveForUpdate(ctx, tx.db)
		if err != nil {
			return err
		}
		for _, row := range rows {
			r := alertFromRow(row)
			d := decide(r)
			if d.State != r.State || !sameTime(d.PendingSince, r.PendingSince) || !row.LastValue.Valid || row.LastValue.Float64 != d.Value {
				if err := tx.q.AlertRuleSetState(ctx, tx.db, dbsqlc.AlertRuleSetStateParams{ID: r.ID, State: dbsqlc.AlertState(d.State),
					PendingSince: d.PendingSince, LastValue: pgtype.Float8{Float64: d.Value, Valid: true}}); err != nil {
					return err
				}
			}
			if !d.Event {
				continue
			}
			ev, err := tx.q.AlertEventInsert(ctx, tx.db, dbsqlc.AlertEventInsertParams{RuleID: uuid.NullUUID{UUID: r.ID, Valid: true},
				RuleName: r.Name, Severity: dbsqlc.AlertSeverity(r.Severity), State: dbsqlc.AlertState(d.State), Value: d.Value, Threshold: r.Threshold})
			if err != nil {
				return err
			}
			for _, ch := range r.NotificationChannels {
				if err := tx.q.AlertDeliveryInsert(ctx, tx.db, dbsqlc.AlertDeliveryInsertParams{EventID: ev.ID, Channel: ch}); err != nil {
					return err
				}
			}
			out = append(out, alertEventFromRow(ev))
		}
		return nil
	})
	return out, err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// AlertEvents lists events newest first: limit of them after the event of
// seq after (0: from the newest).
func (s *Store) AlertEvents(ctx context.Context, after int64, limit int) ([]*AlertEvent, error) {
	rows, err := s.q.AlertEventsPage(ctx, s.db, dbsqlc.AlertEventsPageParams{After: after, Lim: int32(limit)})
	return alertEventsFromRows(rows), err
}

// AlertEventsSince lists up to 500 events newer than seq after, oldest first.
func (s *Store) AlertEventsSince(ctx context.Context, after int64) ([]*AlertEvent, error) {
	rows, err := s.q.AlertEventsSince(ctx, s.db, after)
	return alertEventsFromRows(rows), err
}

// AlertEventLastSeq is the seq of the newest event (0 when none).
func (s *Store) AlertEventLastSeq(ctx context.Context) (int64, error) {
	return s.q.AlertEventLastSeq(ctx, s.db)
}

// AlertDeliveries returns the deliveries of the given events, by event.
func (s *Store) AlertDeliveries(ctx context.Context, eventIDs []uuid.UUID) (map[uuid.UUID][]*AlertDelivery, error) {
	rows, err := s.q.AlertDeliveriesByEvents(ctx, s.db, eventIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*AlertDelivery, len(eventIDs))
	for _, r := range rows {
		out[r.EventID] = append(out[r.EventID], alertDeliveryFromRow(r))
	}
	return out, nil
}

// AlertDeliverDue claims up to limit due deliveries (FOR UPDATE SKIP
// LOCKED: concurrent senders never take the same row), hands them to send,
// and stores each result in the same transaction. A crash before the
// commit leaves the rows PENDING, so a notification is never lost; the
// receiver may then see it twice (send happened, the commit did not),
// which is why senders pass the delivery id as an idempotency key.
func (s *Store) AlertDeliverDue(ctx context.Context, limit int, send func([]OutboxItem) []AlertDeliveryResult) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx *Store) error {
		rows, err := tx.q.AlertDeliveriesClaim(ctx, tx.db, int32(limit))
		if err != nil || len(rows) == 0 {
			return err
		}
		items := make([]OutboxItem, len(rows))
		for i, r := range rows {
			items[i] = OutboxItem{
				Delivery: *alertDeliveryFromRow(dbsqlc.AlertDelivery{ID: r.ID, EventID: r.EventID, Channel: r.Channel, Status: r.Status,
					Attempts: r.Attempts, LastError: r.LastError, NextAttemptAt: r.NextAttemptAt, SentAt: r.SentAt, CreatedAt: r.CreatedAt}),
				Event: *alertEventFromRow(dbsqlc.AlertEvent{ID: r.EventID, RuleID: r.RuleID, RuleName: r.RuleName, Severity: r.Severity,
					State: r.State, Value: r.Value, Threshold: r.Threshold, At: r.At}),
			}
		}
		results := send(items)
		for i, res := range results {
			var lastErr *string
			if res.Err != "" {
				lastErr = &res.Err
			}
			if err := tx.q.AlertDeliveryUpdate(ctx, tx.db, dbsqlc.AlertDeliveryUpdateParams{ID: rows[i].ID,
				Status: dbsqlc.AlertDeliveryStatus(res.Status), LastError: lastErr, NextAttemptAt: res.RetryAt}); err != nil {
				return err
			}
		}
		n = len(rows)
		return nil
	})
	return n, err
}

// QueuedRunsOldestAge is how long the oldest QUEUED run has waited (0 when none).
func (s *Store) QueuedRunsOldestAge(ctx context.Context) (time.Duration, error) {
	secs, err := s.q.QueuedRunsOldest(ctx, s.db)
	return time.Duration(secs * float64(time.Second)), err
}

func alertEventsFromRows(rows []dbsqlc.AlertEvent) []*AlertEvent {
	out := make([]*AlertEvent, len(rows))
	for i, r := range rows {
		out[i] = alertEventFromRow(r)
	}
	return out
}

func alertEventFromRow(r dbsqlc.AlertEvent) *AlertEvent {
	e := &AlertEvent{Seq: r.Seq, ID: r.ID, RuleName: r.RuleName, Severity: string(r.Severity), State: string(r.State),
		Value: r.Value, Threshold: r.Threshold, At: r.At}
	if r.RuleID.Valid {
		id := r.RuleID.UUID
		e.RuleID = &id
	}
	return e
}

func alertDeliveryFromRow(r dbsqlc.AlertDelivery) *AlertDelivery {
	d := &AlertDelivery{ID: r.ID, EventID: r.EventID, Channel: r.Channel, Status: string(r.Status), Attempts: int(r.Attempts),
		NextAttemptAt: r.NextAttemptAt, SentAt: r.SentAt}
	if r.LastError != nil {
		d.LastError = *r.LastError
	}
	return d
}
