-- +goose Up
-- The core of the seed's data model: users and their keys and credits,
-- blocks, versioned graphs, executions. Enum values are upper case, as the
-- GraphQL API spells them.

CREATE TYPE user_role AS ENUM ('USER', 'ADMIN', 'MODERATOR', 'DEVELOPER');
-- The seed's CHECK forgot TIMEOUT; the enum has all six statuses.
CREATE TYPE execution_status AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT');
CREATE TYPE block_type AS ENUM ('STANDARD', 'INPUT', 'OUTPUT', 'WEBHOOK', 'AGENT', 'AI');
CREATE TYPE block_cost_type AS ENUM ('RUN', 'BYTE', 'SECOND', 'TOKEN', 'REQUEST');
CREATE TYPE transaction_type AS ENUM ('PURCHASE', 'EXECUTION_COST', 'REFUND', 'BONUS', 'ADJUSTMENT');
CREATE TYPE auth_type AS ENUM ('OAUTH2', 'API_KEY', 'BASIC_AUTH', 'CUSTOM');
CREATE TYPE log_level AS ENUM ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL');
CREATE TYPE alert_severity AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    name          text CHECK (length(name) <= 100),
    role          user_role NOT NULL DEFAULT 'USER',
    timezone      text NOT NULL DEFAULT 'UTC',
    locale        text NOT NULL DEFAULT 'en-US',
    preferences   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(preferences) = 'object'),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX idx_user_email ON users (email);
CREATE INDEX idx_users_created ON users (created_at, id);

-- Platform API keys are stored as a SHA-256 hash; only a short prefix is
-- kept in clear so a user can tell their keys apart.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys (key_hash);
CREATE INDEX idx_api_keys_user ON api_keys (user_id, created_at);

CREATE TABLE user_credits (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    balance    bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    currency   text NOT NULL DEFAULT 'USD',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credit_transactions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount           bigint NOT NULL CHECK (amount <> 0),
    transaction_type transaction_type NOT NULL,
    description      text NOT NULL DEFAULT '',
    reference_id     text,
    balance_after    bigint NOT NULL CHECK (balance_after >= 0),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_credit_tx_user ON credit_transactions (user_id, created_at DESC, id DESC);
-- At most one charge per node execution (reference_id is the node execution id).
CREATE UNIQUE INDEX idx_credit_tx_once ON credit_transactions (reference_id) WHERE transaction_type = 'EXECUTION_COST';

-- Blocks are synced from the code's registry at start.
CREATE TABLE blocks (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    description          text NOT NULL DEFAULT '',
    categories           text[] NOT NULL DEFAULT '{}',
    block_type           block_type NOT NULL DEFAULT 'STANDARD',
    input_schema         jsonb NOT NULL DEFAULT '{}',
    output_schema        jsonb NOT NULL DEFAULT '{}',
    credential_providers text[] NOT NULL DEFAULT '{}',
    disabled             boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE block_costs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    block_id      uuid NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    cost_type     block_cost_type NOT NULL,
    cost_amount   bigint NOT NULL CHECK (cost_amount >= 0),
    cost_currency text NOT NULL DEFAULT 'USD',
    cost_filter   jsonb NOT NULL DEFAULT '{}',
    description   text NOT NULL DEFAULT ''
);
CREATE INDEX idx_block_costs_block ON block_costs (block_id);

-- A graph is a set of versions sharing one id; exactly one version is active.
CREATE TABLE graphs (
    id                  uuid NOT NULL,
    version             integer NOT NULL CHECK (version >= 1),
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description         text CHECK (length(description) <= 500),
    is_active           boolean NOT NULL DEFAULT true,
    is_template         boolean NOT NULL DEFAULT false,
    forked_from_id      uuid,
    forked_from_version integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX idx_graph_one_active ON graphs (id) WHERE is_active;
-- The seed's index: a name is unique among its owner's active graphs.
CREATE UNIQUE INDEX idx_graph_active_version ON graphs (user_id, name) WHERE is_active;
CREATE INDEX idx_graphs_user ON graphs (user_id, created_at DESC, id);
CREATE INDEX idx_graphs_template ON graphs (created_at DESC, id) WHERE is_template AND is_active;
CREATE INDEX idx_graphs_forked ON graphs (forked_from_id, forked_from_version) WHERE forked_from_id IS NOT NULL;

CREATE TABLE nodes (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    graph_id      uuid NOT NULL,
    graph_version integer NOT NULL,
    node_key      text NOT NULL CHECK (length(node_key) BETWEEN 1 AND 100),
    block_id      uuid NOT NULL REFERENCES blocks (id),
    label         text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    input_default jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input_default) = 'object'),
    metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    position_x    double precision NOT NULL DEFAULT 0,
    position_y    double precision NOT NULL DEFAULT 0,
    FOREIGN KEY (graph_id, graph_version) REFERENCES graphs (id, version) ON DELETE CASCADE,
    UNIQUE (graph_id, graph_version, node_key)
);
CREATE INDEX idx_nodes_block ON nodes (block_id);

CREATE TABLE links (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    graph_id      uuid NOT NULL,
    graph_version integer NOT NULL,
    source_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    sink_id       uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    source_name   text NOT NULL CHECK (length(source_name) BETWEEN 1 AND 200),
    sink_name     text NOT NULL CHECK (length(sink_name) BETWEEN 1 AND 200),
    is_static     boolean NOT NULL DEFAULT false,
    FOREIGN KEY (graph_id, graph_version) REFERENCES graphs (id, version) ON DELETE CASCADE
);
CREATE INDEX idx_links_graph ON links (graph_id, graph_version);
CREATE INDEX idx_links_source ON links (source_id);
CREATE INDEX idx_links_sink ON links (sink_id);

CREATE TABLE graph_executions (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    graph_id                 uuid NOT NULL,
    graph_version            integer NOT NULL,
    user_id                  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status                   execution_status NOT NULL DEFAULT 'QUEUED',
    inputs                   jsonb NOT NULL DEFAULT '{}',
    outputs                  jsonb NOT NULL DEFAULT '{}',
    created_at               timestamptz NOT NULL DEFAULT now(),
    started_at               timestamptz,
    ended_at                 timestamptz,
    updated_at               timestamptz NOT NULL DEFAULT now(),
    error_message            text,
    stats                    jsonb NOT NULL DEFAULT '{}',
    user_context             jsonb NOT NULL DEFAULT '{}',
    is_shared                boolean NOT NULL DEFAULT false,
    share_token              text UNIQUE,
    parent_node_execution_id uuid,
    -- Lease: the worker that runs this execution and until when it holds it.
    lease_owner              text,
    lease_expires_at         timestamptz,
    -- Per-execution event sequence, advanced in the same transaction as each change.
    last_seq                 bigint NOT NULL DEFAULT 0,
    FOREIGN KEY (graph_id, graph_version) REFERENCES graphs (id, version) ON DELETE CASCADE,
    -- The seed's time-ordering check (NULL started_at allowed while queued).
    CONSTRAINT chk_execution_times CHECK (
        (started_at IS NULL OR started_at >= created_at)
        AND (ended_at IS NULL OR ended_at >= coalesce(started_at, created_at))),
    CONSTRAINT chk_share_token CHECK (NOT is_shared OR share_token IS NOT NULL)
);
CREATE INDEX idx_graph_exec_graph ON graph_executions (graph_id, created_at DESC, id DESC);
CREATE INDEX idx_graph_exec_user ON graph_executions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_graph_exec_version ON graph_executions (graph_id, graph_version);
CREATE INDEX idx_graph_exec_claim ON graph_executions (created_at) WHERE status IN ('QUEUED', 'RUNNING');
CREATE INDEX idx_graph_exec_parent ON graph_executions (parent_node_execution_id) WHERE parent_node_execution_id IS NOT NULL;

CREATE TABLE node_executions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    graph_execution_id uuid NOT NULL REFERENCES graph_executions (id) ON DELETE CASCADE,
    node_id            uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    status             execution_status NOT NULL DEFAULT 'QUEUED',
    inputs             jsonb NOT NULL DEFAULT '{}',
    outputs            jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    ended_at           timestamptz,
    error_message      text,
    stats              jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT chk_node_execution_times CHECK (
        (started_at IS NULL OR started_at >= created_at)
        AND (ended_at IS NULL OR ended_at >= coalesce(started_at, created_at)))
);
CREATE INDEX idx_node_exec_graph_exec ON node_executions (graph_execution_id, created_at, id);
CREATE INDEX idx_node_exec_node ON node_executions (node_id);

ALTER TABLE graph_executions ADD CONSTRAINT fk_graph_exec_parent
    FOREIGN KEY (parent_node_execution_id) REFERENCES node_executions (id) ON DELETE CASCADE;

CREATE TABLE integration_credentials (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider         text NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    auth_type        auth_type NOT NULL,
    title            text NOT NULL DEFAULT '',
    username         text,
    scopes           text[] NOT NULL DEFAULT '{}',
    -- AES-GCM ciphertext of the secret material; never returned by the API.
    secret_encrypted bytea NOT NULL,
    metadata         jsonb NOT NULL DEFAULT '{}',
    expires_at       timestamptz,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_credentials_user ON integration_credentials (user_id, provider);

CREATE TABLE execution_logs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id      uuid NOT NULL REFERENCES graph_executions (id) ON DELETE CASCADE,
    node_execution_id uuid REFERENCES node_executions (id) ON DELETE CASCADE,
    node_id           uuid REFERENCES nodes (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level             log_level NOT NULL,
    message           text NOT NULL,
    metadata          jsonb NOT NULL DEFAULT '{}',
    logged_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_exec_logs_exec ON execution_logs (execution_id, logged_at, id);
CREATE INDEX idx_exec_logs_node_exec ON execution_logs (node_execution_id) WHERE node_execution_id IS NOT NULL;
CREATE INDEX idx_exec_logs_node ON execution_logs (node_id) WHERE node_id IS NOT NULL;
CREATE INDEX idx_exec_logs_user ON execution_logs (user_id);

CREATE TABLE execution_metrics (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id      uuid NOT NULL REFERENCES graph_executions (id) ON DELETE CASCADE,
    node_execution_id uuid REFERENCES node_executions (id) ON DELETE CASCADE,
    node_id           uuid REFERENCES nodes (id) ON DELETE CASCADE,
    metric_name       text NOT NULL,
    metric_value      double precision NOT NULL,
    metric_unit       text NOT NULL DEFAULT '',
    tags              jsonb NOT NULL DEFAULT '{}',
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_exec_metrics_exec ON execution_metrics (execution_id, recorded_at);
CREATE INDEX idx_exec_metrics_node_exec ON execution_metrics (node_execution_id) WHERE node_execution_id IS NOT NULL;
CREATE INDEX idx_exec_metrics_node ON execution_metrics (node_id) WHERE node_id IS NOT NULL;

CREATE TABLE alert_rules (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                  text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    condition             text NOT NULL,
    threshold             double precision NOT NULL,
    severity              alert_severity NOT NULL,
    is_active             boolean NOT NULL DEFAULT true,
    notification_channels text[] NOT NULL DEFAULT '{}',
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE alert_rules, execution_metrics, execution_logs, integration_credentials;
ALTER TABLE graph_executions DROP CONSTRAINT fk_graph_exec_parent;
DROP TABLE node_executions, graph_executions, links, nodes, graphs, block_costs, blocks,
    credit_transactions, user_credits, api_keys, users;
DROP TYPE alert_severity, log_level, auth_type, transaction_type, block_cost_type, block_type,
    execution_status, user_role;
