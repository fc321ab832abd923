-- name: CredentialInsert :one
INSERT INTO integration_credentials (user_id, provider, auth_type, title, username, scopes, secret_encrypted,
                                     metadata, expires_at, token_type)
VALUES (@user_id, @provider, @auth_type, @title, sqlc.narg('username'), @scopes, @secret_encrypted, @metadata,
        sqlc.narg('expires_at'), sqlc.narg('token_type'))
RETURNING *;

-- name: CredentialListByUser :many
SELECT * FROM integration_credentials
WHERE user_id = @user_id AND (sqlc.narg('provider')::text IS NULL OR provider = sqlc.narg('provider')::text)
ORDER BY created_at, id;

-- name: CredentialDelete :one
-- Returns the deleted row so its token can be revoked at the provider.
DELETE FROM integration_credentials WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: CredentialActiveByProviders :many
-- The newest usable credential per provider, for a block run: active, not
-- refused by its provider, and unexpired unless a refresh token can renew it
-- (the caller refreshes it first).
SELECT DISTINCT ON (provider) * FROM integration_credentials
WHERE user_id = @user_id AND provider = ANY(@providers::text[]) AND is_active AND invalid_reason IS NULL
  AND (expires_at IS NULL OR expires_at > now() OR auth_type = 'OAUTH2')
ORDER BY provider, created_at DESC;

-- name: CredentialGet :one
SELECT * FROM integration_credentials WHERE id = @id AND user_id = @user_id;

-- name: CredentialLock :one
-- The row, once no other transaction holds its lock.
SELECT * FROM integration_credentials WHERE id = @id FOR UPDATE;

-- name: CredentialTryLock :many
-- Taken by the one refresher of a credential: its advisory lock, the
-- waiters' signal (CredentialAwaitRefresh), and its row lock, against other
-- writers. No row when another transaction holds the advisory lock (a
-- refresher in another process) or the credential is gone.
SELECT c.* FROM integration_credentials c
WHERE c.id = @id AND pg_try_advisory_xact_lock(@lock_class::int4, @lock_key::int4)
FOR UPDATE;

-- name: CredentialAwaitRefresh :exec
-- Returns once no transaction holds the credential's advisory lock: the
-- shared lock is taken then, held to the end of this transaction (sent
-- with the read that follows, in one), and every waiter is woken at once
-- when the refresher commits. Nothing is written,
-- so nothing waits for a WAL flush (a FOR SHARE row lock is a write: its
-- commit would flush, about 2 ms here), and waiters do not queue behind
-- each other as FOR UPDATE waiters do.
SELECT pg_advisory_xact_lock_shared(@lock_class::int4, @lock_key::int4);

-- name: CredentialGetAny :one
-- A credential by id alone, once its refresher committed.
SELECT * FROM integration_credentials WHERE id = @id;

-- name: CredentialSetTokens :one
-- A refresh: the new access token and a rotated refresh token are one
-- sealed value, stored with the new expiry in one statement.
UPDATE integration_credentials
SET secret_encrypted = @secret_encrypted, expires_at = sqlc.narg('expires_at'),
    token_type = coalesce(sqlc.narg('token_type'), token_type), scopes = @scopes, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: CredentialInvalidate :exec
UPDATE integration_credentials SET invalid_reason = @reason, updated_at = now() WHERE id = @id;
