-- +goose Up
-- A run's trace context: the W3C traceparent of the span it was created
-- under (the executeGraph operation's, or an AGENT node's for a child run).
-- Every worker that claims the run, the first one or one taking it over,
-- starts its run span as a child of this context, so a run is one trace
-- however many workers it passes through. NULL when the process that
-- created the run had no tracing configured (or for a scheduled or webhook
-- run, which no traced operation created).
ALTER TABLE graph_executions ADD COLUMN trace_context text
    CHECK (trace_context IS NULL OR length(trace_context) <= 256);

-- +goose Down
ALTER TABLE graph_executions DROP COLUMN trace_context;
