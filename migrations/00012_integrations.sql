-- +goose Up
-- Integrations: OAuth2 connect (a single-use state per started flow), token
-- refresh bookkeeping on credentials, and scoped platform API keys.

-- token_type is the OAuth2 token type the provider answered ("bearer" when
-- it said none). invalid_reason is set when the provider refused a refresh:
-- the credential is no longer valid and runs needing it are refused.
ALTER TABLE integration_credentials
    ADD COLUMN token_type     text,
    ADD COLUMN invalid_reason text;

-- NULL permissions: every permission (keys created before scopes existed,
-- and keys created without a list).
ALTER TABLE api_keys ADD COLUMN permissions text[];

-- One row per started OAuth2 connect. The state travels in the browser, so
-- only its SHA-256 is kept; the PKCE verifier is sealed under
-- ENCRYPTION_KEY. The callback deletes the row as it reads it: single use.
CREATE TABLE oauth_states (
    state_hash      bytea PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        text NOT NULL,
    scopes          text[] NOT NULL DEFAULT '{}',
    verifier_sealed bytea NOT NULL,
    redirect_to     text,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_oauth_states_expires ON oauth_states (expires_at);
-- Deleting a user cascades here.
CREATE INDEX idx_oauth_states_user ON oauth_states (user_id);

-- +goose Down
DROP TABLE oauth_states;
ALTER TABLE api_keys DROP COLUMN permissions;
ALTER TABLE integration_credentials DROP COLUMN invalid_reason, DROP COLUMN token_type;
