-- name: SystemExecutionCounts :one
-- Live load and the last hour's failure share, for SystemMetrics.
SELECT
    count(*) FILTER (WHERE status = 'RUNNING')::bigint AS running,
    count(*) FILTER (WHERE status = 'QUEUED')::bigint AS queued,
    (SELECT count(*) FROM graph_executions e
      WHERE e.ended_at > now() - interval '1 hour')::bigint AS ended_last_hour,
    (SELECT count(*) FROM graph_executions e
      WHERE e.ended_at > now() - interval '1 hour' AND e.status IN ('FAILED', 'TIMEOUT'))::bigint AS failed_last_hour
FROM graph_executions WHERE status IN ('QUEUED', 'RUNNING');
