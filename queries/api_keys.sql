-- name: APIKeyCreate :one
INSERT INTO api_keys (user_id, name, prefix, key_hash, permissions)
VALUES (@user_id, @name, @prefix, @key_hash, sqlc.narg('permissions')::text[])
RETURNING *;

-- name: APIKeyGetUserByHash :one
-- Resolves a presented key to its active owner in one statement.
SELECT sqlc.embed(u), k.id AS key_id, k.last_used_at AS key_last_used_at, k.permissions AS key_permissions
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.key_hash = @key_hash AND k.revoked_at IS NULL;

-- name: APIKeyListByUser :many
SELECT * FROM api_keys WHERE user_id = @user_id ORDER BY created_at, id;

-- name: APIKeyRevoke :one
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: APIKeyTouch :exec
UPDATE api_keys SET last_used_at = now()
WHERE id = @id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
