-- +goose Up
-- What the engine needs beyond the core model to resume a run on another
-- worker: a cancel request a lease holder can notice, and the partial inputs
-- of node executions still waiting for linked pins (AutoGPT's INCOMPLETE
-- rows, kept out of node_executions so that table holds only real runs).

ALTER TABLE graph_executions ADD COLUMN cancel_requested_at timestamptz;

CREATE TABLE node_execution_inputs (
    id                 uuid PRIMARY KEY,
    graph_execution_id uuid NOT NULL REFERENCES graph_executions (id) ON DELETE CASCADE,
    node_id            uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    inputs             jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_node_exec_inputs_exec ON node_execution_inputs (graph_execution_id, created_at, id);
-- Every foreign key has an index (deleting a graph version cascades through node_id).
CREATE INDEX idx_node_exec_inputs_node ON node_execution_inputs (node_id);

-- Children of a node execution (AGENT blocks) are found again after a resume.
-- (idx_graph_exec_parent exists in 00001.)

-- +goose Down
DROP TABLE node_execution_inputs;
ALTER TABLE graph_executions DROP COLUMN cancel_requested_at;
