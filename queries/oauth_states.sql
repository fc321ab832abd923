-- name: OAuthStateInsert :exec
INSERT INTO oauth_states (state_hash, user_id, provider, scopes, verifier_sealed, redirect_to, expires_at)
VALUES (@state_hash, @user_id, @provider, @scopes, @verifier_sealed, sqlc.narg('redirect_to'), @expires_at);

-- name: OAuthStateTake :one
-- Single use: the row is gone once read, whether or not it was still fresh
-- (the caller checks expires_at), so a replayed state finds nothing.
DELETE FROM oauth_states WHERE state_hash = @state_hash AND provider = @provider
RETURNING *;

-- name: OAuthStatePurge :execrows
DELETE FROM oauth_states WHERE expires_at < now() - interval '1 hour';
