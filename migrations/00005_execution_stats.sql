-- +goose Up
-- ExecutionStats now count the graph's nodes (total_nodes, completed_nodes,
-- failed_nodes), as the seed means them, and node executions apart
-- (node_executions, completed_/failed_/cancelled_node_executions); the
-- constant memory_usage is gone. Runs that ended before are restated that
-- way, so every stored run means the same. A node is failed when any of its
-- executions FAILED or timed out, completed when one COMPLETED and none
-- failed. Runs without stats yet (not ended) are left alone.
WITH per_node AS (
    SELECT ne.graph_execution_id, ne.node_id,
           bool_or(ne.status = 'COMPLETED') AS completed,
           bool_or(ne.status IN ('FAILED', 'TIMEOUT')) AS failed,
           count(*) AS execs,
           count(*) FILTER (WHERE ne.status = 'COMPLETED') AS completed_execs,
           count(*) FILTER (WHERE ne.status IN ('FAILED', 'TIMEOUT')) AS failed_execs,
           count(*) FILTER (WHERE ne.status = 'CANCELLED') AS cancelled_execs
    FROM node_executions ne
    GROUP BY ne.graph_execution_id, ne.node_id
), per_run AS (
    SELECT graph_execution_id,
           count(*) FILTER (WHERE completed AND NOT failed) AS completed_nodes,
           count(*) FILTER (WHERE failed) AS failed_nodes,
           sum(execs) AS execs, sum(completed_execs) AS completed_execs,
           sum(failed_execs) AS failed_execs, sum(cancelled_execs) AS cancelled_execs
    FROM per_node
    GROUP BY graph_execution_id
)
UPDATE graph_executions g SET stats = (g.stats - 'memory_usage') || jsonb_build_object(
    'total_nodes', (SELECT count(*) FROM nodes n WHERE n.graph_id = g.graph_id AND n.graph_version = g.graph_version),
    'completed_nodes', coalesce(p.completed_nodes, 0),
    'failed_nodes', coalesce(p.failed_nodes, 0),
    'node_executions', coalesce(p.execs, 0),
    'completed_node_executions', coalesce(p.completed_execs, 0),
    'failed_node_executions', coalesce(p.failed_execs, 0),
    'cancelled_node_executions', coalesce(p.cancelled_execs, 0))
FROM graph_executions g2 LEFT JOIN per_run p ON p.graph_execution_id = g2.id
WHERE g.id = g2.id AND g.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT') AND g.started_at IS NOT NULL;

-- +goose Down
-- The new fields stay: older code ignores them. total_nodes and friends keep
-- their new meaning.
SELECT 1;
