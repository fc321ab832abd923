-- name: AlertRuleInsert :one
INSERT INTO alert_rules (name, condition, threshold, severity, is_active, notification_channels, for_seconds)
VALUES (@name, @condition, @threshold, @severity, @is_active, @notification_channels, @for_seconds)
RETURNING *;

-- name: AlertRuleList :many
SELECT * FROM alert_rules ORDER BY created_at, id;

-- name: AlertRuleDelete :execrows
DELETE FROM alert_rules WHERE id = @id;

-- name: AlertRuleEnsure :exec
-- A built-in rule: created when missing, its threshold and channels kept
-- in step with the configuration.
INSERT INTO alert_rules (name, condition, threshold, severity, notification_channels)
VALUES (@name, @condition, @threshold, @severity, @notification_channels)
ON CONFLICT (name) DO UPDATE SET condition = excluded.condition, threshold = excluded.threshold,
    notification_channels = excluded.notification_channels;

-- name: AlertRulesActiveForUpdate :many
-- The active rules, locked for one evaluation (the lease already makes the
-- evaluator single; the lock keeps a concurrent delete from racing it).
SELECT * FROM alert_rules WHERE is_active ORDER BY created_at, id FOR UPDATE SKIP LOCKED;

-- name: AlertRuleSetState :exec
UPDATE alert_rules SET state = @state, pending_since = @pending_since, last_value = @last_value WHERE id = @id;

-- name: LeaseAcquire :one
-- Takes or renews the lease: it is ours when free, expired, or already ours.
INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, now() + make_interval(secs => @ttl_seconds::float8))
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at < now()
RETURNING holder;

-- name: LeaseRelease :exec
DELETE FROM leases WHERE name = @name AND holder = @holder;

-- name: AlertEventInsert :one
INSERT INTO alert_events (rule_id, rule_name, severity, state, value, threshold)
VALUES (@rule_id, @rule_name, @severity, @state, @value, @threshold)
RETURNING *;

-- name: AlertDeliveryInsert :exec
INSERT INTO alert_deliveries (event_id, channel) VALUES (@event_id, @channel);

-- name: AlertEventsPage :many
-- Newest first; after is the seq of the last event of the previous page (0: from the newest).
SELECT * FROM alert_events WHERE (@after::bigint = 0 OR seq < @after::bigint) ORDER BY seq DESC LIMIT @lim;

-- name: AlertEventsSince :many
-- Oldest first, for the subscription.
SELECT * FROM alert_events WHERE seq > @after ORDER BY seq LIMIT 500;

-- name: AlertEventLastSeq :one
SELECT coalesce(max(seq), 0)::bigint FROM alert_events;

-- name: AlertDeliveriesByEvents :many
SELECT * FROM alert_deliveries WHERE event_id = ANY(@event_ids::uuid[]) ORDER BY created_at, channel;

-- name: AlertDeliveriesClaim :many
-- Due deliveries, locked for this sender until its transaction ends.
SELECT d.*, e.rule_id, e.rule_name, e.severity, e.state, e.value, e.threshold, e.at
FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id
WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
ORDER BY d.next_attempt_at LIMIT @lim
FOR UPDATE OF d SKIP LOCKED;

-- name: AlertDeliveryUpdate :exec
UPDATE alert_deliveries SET status = @status, attempts = attempts + 1, last_error = @last_error,
    next_attempt_at = @next_attempt_at, sent_at = CASE WHEN @status = 'SENT'::alert_delivery_status THEN now() END
WHERE id = @id;

-- name: QueuedRunsOldest :one
-- The age in seconds of the oldest QUEUED run (0 when none is queued). A
-- run fired ahead of its schedule's occurrence waits from its not-before
-- time; before it, it is not waiting for a worker and does not count.
SELECT coalesce(extract(epoch FROM now() - min(greatest(created_at, not_before))), 0)::float8 FROM graph_executions
WHERE status = 'QUEUED' AND (not_before IS NULL OR not_before <= now());
