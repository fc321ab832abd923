-- name: BlockStorageGet :one
-- One stored value: graph_id null is the user's storage across agents.
SELECT value FROM block_storage
WHERE user_id = @user_id AND scope = @scope AND key = @key
  AND graph_id IS NOT DISTINCT FROM sqlc.narg(graph_id)::uuid;

-- name: BlockStoragePut :exec
-- Stores a value under its key, replacing the one there.
INSERT INTO block_storage (user_id, scope, graph_id, key, value)
VALUES (@user_id, @scope, sqlc.narg(graph_id)::uuid, @key, @value)
ON CONFLICT (user_id, scope, key, graph_id) DO UPDATE
    SET value = EXCLUDED.value, updated_at = now();
