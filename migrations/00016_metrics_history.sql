-- +goose Up
-- Metrics with history: the housekeeper (internal/housekeeping, one process
-- at a time under the `housekeeping` lease) stores a SystemMetrics sample
-- every METRICS_INTERVAL and deletes those older than METRICS_RETENTION;
-- systemMetricsHistory reads them back in steps. Only the measured values
-- are stored: the health score and the alerts follow from them.
CREATE TABLE system_metrics_samples (
    at                    timestamptz PRIMARY KEY,
    cpu_usage             double precision NOT NULL,
    memory_usage          double precision NOT NULL,
    disk_usage            double precision NOT NULL,
    active_executions     integer NOT NULL,
    queue_size            integer NOT NULL,
    error_rate            double precision NOT NULL,
    oldest_queued_seconds double precision NOT NULL
);

-- LOG_RETENTION deletes run logs by age, in batches taken oldest first:
-- the existing indexes all lead with the execution or node, so without
-- this one each batch would scan the whole table.
CREATE INDEX idx_exec_logs_logged_at ON execution_logs (logged_at);

-- The seed's ExecutionMetrics are derived from the node executions' stats
-- when read (GraphExecution.metrics): node time, input and output sizes and
-- cost are stored once, with the node's row, in the engine's commit. A
-- table of the same numbers would double the engine's writes per node for
-- nothing, and nothing ever wrote this one.
DROP TABLE execution_metrics;

-- +goose Down
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
DROP INDEX idx_exec_logs_logged_at;
DROP TABLE system_metrics_samples;
