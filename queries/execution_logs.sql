-- name: ExecutionLogInsertMany :exec
INSERT INTO execution_logs (execution_id, node_execution_id, node_id, user_id, level, message, metadata, logged_at)
SELECT v.execution_id, v.node_execution_id, v.node_id, v.user_id, v.level, v.message,
       coalesce(v.metadata, '{}'), v.logged_at
FROM jsonb_to_recordset(@rows::jsonb) AS v(execution_id uuid, node_execution_id uuid, node_id uuid, user_id uuid,
    level log_level, message text, metadata jsonb, logged_at timestamptz);

-- name: ExecutionLogList :many
-- A run's log in order, keyset on (logged_at, id): served by idx_exec_logs_exec.
SELECT * FROM execution_logs
WHERE execution_id = @execution_id
  AND (sqlc.narg('after_logged')::timestamptz IS NULL
       OR (logged_at, id) > (sqlc.narg('after_logged')::timestamptz, sqlc.narg('after_id')::uuid))
ORDER BY logged_at, id
LIMIT @lim;

-- name: ExecutionLogDeleteBefore :execrows
-- Up to lim lines logged before @before, oldest first (idx_exec_logs_logged_at):
-- LOG_RETENTION deletes in batches so no statement holds many locks for long.
DELETE FROM execution_logs
WHERE id IN (SELECT l.id FROM execution_logs l WHERE l.logged_at < @before ORDER BY l.logged_at LIMIT @lim);
