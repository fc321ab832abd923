-- name: CredentialInsert :one
INSERT INTO integration_credentials (user_id, provider, auth_type, title, username, scopes, secret_encrypted,
                                     metadata, expires_at)
VALUES (@user_id, @provider, @auth_type, @title, sqlc.narg('username'), @scopes, @secret_encrypted, @metadata,
        sqlc.narg('expires_at'))
RETURNING *;

-- name: CredentialListByUser :many
SELECT * FROM integration_credentials
WHERE user_id = @user_id AND (sqlc.narg('provider')::text IS NULL OR provider = sqlc.narg('provider')::text)
ORDER BY created_at, id;

-- name: CredentialDelete :execrows
DELETE FROM integration_credentials WHERE id = @id AND user_id = @user_id;

-- name: CredentialActiveByProviders :many
-- The newest active, unexpired credential per provider, for a block run.
SELECT DISTINCT ON (provider) * FROM integration_credentials
WHERE user_id = @user_id AND provider = ANY(@providers::text[]) AND is_active
  AND (expires_at IS NULL OR expires_at > now())
ORDER BY provider, created_at DESC;
