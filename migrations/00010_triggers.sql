-- +goose Up
-- Triggers: runs started by a schedule or an incoming webhook, and why each
-- run started. Exactly-once firing rests on two unique keys: an occurrence
-- of a schedule (schedule_id, occurrence_at) and a webhook delivery
-- (webhook_id, delivery_id) each name at most one run.

CREATE TYPE trigger_kind AS ENUM ('MANUAL', 'SCHEDULE', 'WEBHOOK', 'AGENT');
CREATE TYPE misfire_policy AS ENUM ('SKIP', 'RUN_ONCE');

-- A schedule runs one graph version (pinned when it is created, as
-- AutoGPT's are) with fixed inputs at the occurrences of its cron in its
-- time zone. next_run_at is the next occurrence not yet fired: the
-- scheduler claims due rows with FOR UPDATE SKIP LOCKED and advances it in
-- the transaction that stores the occurrence and its run.
CREATE TABLE schedules (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    graph_id       uuid NOT NULL,
    graph_version  integer NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    cron           text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    timezone       text NOT NULL,
    inputs         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(inputs) = 'object'),
    misfire_policy misfire_policy NOT NULL DEFAULT 'RUN_ONCE',
    is_active      boolean NOT NULL DEFAULT true,
    next_run_at    timestamptz NOT NULL,
    last_run_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (graph_id, graph_version) REFERENCES graphs (id, version) ON DELETE CASCADE
);
-- The scheduler's one query per tick reads only active rows, by due time.
CREATE INDEX idx_schedules_due ON schedules (next_run_at) WHERE is_active;
CREATE INDEX idx_schedules_graph ON schedules (graph_id, graph_version);
CREATE INDEX idx_schedules_user ON schedules (user_id, created_at, id);

-- Each fired occurrence: the run it started, or why it started none.
CREATE TABLE schedule_occurrences (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schedule_id   uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    occurrence_at timestamptz NOT NULL,
    -- Deferred: the occurrence is inserted first (its unique key decides
    -- whether this transaction fires it), its run right after.
    execution_id  uuid REFERENCES graph_executions (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    error         text,
    fired_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schedule_id, occurrence_at)
);
CREATE INDEX idx_schedule_occurrences_exec ON schedule_occurrences (execution_id) WHERE execution_id IS NOT NULL;

-- One ingress URL per WEBHOOK node key of a graph: kept across versions
-- (a new active version keeps the URLs of nodes with the same key) and
-- disabled, not deleted, while the active version has no such node. The
-- signing secret is set by rotateWebhookSecret (no secret: every request is
-- refused); it is AES-GCM sealed under ENCRYPTION_KEY when one is set.
CREATE TABLE webhooks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    graph_id         uuid NOT NULL,
    node_key         text NOT NULL,
    provider         text NOT NULL DEFAULT 'agentgraph' CHECK (provider IN ('agentgraph', 'github')),
    secret           bytea,
    secret_encrypted boolean NOT NULL DEFAULT false,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (graph_id, node_key)
);
CREATE INDEX idx_webhooks_user ON webhooks (user_id);

-- graphs has no single-column key to reference: a graph's webhooks go when
-- its last version does.
-- +goose StatementBegin
CREATE FUNCTION webhooks_drop_with_graph() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM webhooks w WHERE w.graph_id = OLD.id
        AND NOT EXISTS (SELECT 1 FROM graphs g WHERE g.id = OLD.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER trg_webhooks_drop_with_graph AFTER DELETE ON graphs
    FOR EACH ROW EXECUTE FUNCTION webhooks_drop_with_graph();

-- The idempotency record of a delivery: the same delivery id answers the
-- same run, and a different body under the same id is refused.
CREATE TABLE webhook_deliveries (
    webhook_id   uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    delivery_id  text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
    body_sha256  bytea NOT NULL,
    -- Deferred, as for occurrences: the delivery's key is taken first.
    execution_id uuid NOT NULL REFERENCES graph_executions (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (webhook_id, delivery_id)
);
CREATE INDEX idx_webhook_deliveries_exec ON webhook_deliveries (execution_id);

-- Why a run started. Child runs of AGENT blocks are AGENT.
ALTER TABLE graph_executions
    ADD COLUMN trigger_kind trigger_kind NOT NULL DEFAULT 'MANUAL',
    ADD COLUMN schedule_id  uuid REFERENCES schedules (id) ON DELETE SET NULL,
    ADD COLUMN webhook_id   uuid REFERENCES webhooks (id) ON DELETE SET NULL,
    ADD COLUMN delivery_id  text;
UPDATE graph_executions SET trigger_kind = 'AGENT' WHERE parent_node_execution_id IS NOT NULL;
CREATE INDEX idx_graph_exec_schedule ON graph_executions (schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL;
CREATE INDEX idx_graph_exec_webhook ON graph_executions (webhook_id) WHERE webhook_id IS NOT NULL;

-- +goose Down
ALTER TABLE graph_executions DROP COLUMN delivery_id, DROP COLUMN webhook_id, DROP COLUMN schedule_id,
    DROP COLUMN trigger_kind;
DROP TABLE webhook_deliveries;
DROP TRIGGER trg_webhooks_drop_with_graph ON graphs;
DROP FUNCTION webhooks_drop_with_graph();
DROP TABLE webhooks;
DROP TABLE schedule_occurrences;
DROP TABLE schedules;
DROP TYPE misfire_policy;
DROP TYPE trigger_kind;
