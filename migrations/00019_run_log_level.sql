-- +goose Up
-- A run's log level (executeGraph's logLevel): DEBUG makes the engine write
-- a line per node execution's start and finish into the run's log (block,
-- node, status, duration, cost); INFO, the default, writes only the run's
-- end and its failures. Lines that blocks write are kept at any level. It
-- is stored with the run so that a worker taking the run over keeps
-- logging as the run asked. Scheduled and webhook-started runs take the
-- default; a run started by an AGENT node takes its parent run's level.
ALTER TABLE graph_executions ADD COLUMN log_level log_level NOT NULL DEFAULT 'INFO'
    CHECK (log_level IN ('DEBUG', 'INFO'));

-- +goose Down
ALTER TABLE graph_executions DROP COLUMN log_level;
