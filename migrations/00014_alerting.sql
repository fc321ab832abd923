-- +goose Up
-- Alerts that fire: each rule keeps its state (OK, PENDING while its
-- condition has held for less than its `for` duration, FIRING), every
-- change of state is an alert event, and every event's notifications wait
-- in an outbox (alert_deliveries) until sent, so none is lost across a
-- restart and none is sent twice (a sender claims rows FOR UPDATE SKIP
-- LOCKED and marks them sent in the same transaction).

CREATE TYPE alert_state AS ENUM ('OK', 'PENDING', 'FIRING');
CREATE TYPE alert_delivery_status AS ENUM ('PENDING', 'SENT', 'FAILED');

ALTER TABLE alert_rules
    ADD COLUMN for_seconds   integer NOT NULL DEFAULT 0 CHECK (for_seconds BETWEEN 0 AND 86400),
    ADD COLUMN state         alert_state NOT NULL DEFAULT 'OK',
    ADD COLUMN pending_since timestamptz,
    ADD COLUMN last_value    double precision;

-- A change of a rule's state to FIRING or back to OK. rule_id is null once
-- the rule is deleted, and for built-in alerts (rule_name says which); the
-- name, severity and threshold are copied so the history stays readable.
CREATE TABLE alert_events (
    seq        bigserial PRIMARY KEY,
    id         uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    rule_id    uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
    rule_name  text NOT NULL,
    severity   alert_severity NOT NULL,
    state      alert_state NOT NULL CHECK (state <> 'PENDING'),
    value      double precision NOT NULL,
    threshold  double precision NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);

-- Deleting a rule sets its events' rule_id to null: indexed for that.
CREATE INDEX idx_alert_events_rule ON alert_events (rule_id) WHERE rule_id IS NOT NULL;

-- The outbox: one row per event and channel.
CREATE TABLE alert_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    channel         text NOT NULL,
    status          alert_delivery_status NOT NULL DEFAULT 'PENDING',
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, channel)
);
CREATE INDEX idx_alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'PENDING';

-- Named leases: a background job that must run in one process at a time
-- (the alert evaluator) holds its row until expires_at; a process that
-- dies stops renewing and another takes over once it has expired.
CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE leases, alert_deliveries, alert_events;
ALTER TABLE alert_rules DROP COLUMN for_seconds, DROP COLUMN state, DROP COLUMN pending_since, DROP COLUMN last_value;
DROP TYPE alert_delivery_status, alert_state;
