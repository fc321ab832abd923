-- +goose Up
-- Node.executions pages through one node's executions, newest first, keyset
-- on (created_at, id): this index serves a page at any depth without
-- sorting the node's whole history. It replaces the node_id index (same
-- leading column, so foreign-key cascades from nodes still use it), which
-- keeps the number of indexes every node execution insert maintains.
CREATE INDEX idx_node_exec_node_created ON node_executions (node_id, created_at DESC, id DESC);
DROP INDEX idx_node_exec_node;

-- +goose Down
CREATE INDEX idx_node_exec_node ON node_executions (node_id);
DROP INDEX idx_node_exec_node_created;
