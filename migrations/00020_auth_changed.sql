-- +goose Up
-- Every API process keeps the API keys it resolved recently (internal/auth,
-- keycache.go), so a client's requests do not each read its key and user.
-- What a process keeps must be dropped the moment it stops being true: a key
-- revoked or deleted, a user deactivated, re-roled, renamed or deleted. These
-- triggers NOTIFY agentgraph_auth_changed (payload: the user's id) on every
-- such change, whatever statement makes it (resolvers, `agentgraph user`, a
-- manual UPDATE), sent when its transaction commits. The once-a-minute
-- touches (users.last_login_at, api_keys.last_used_at) change nothing a
-- process keeps and notify nothing: an update that changes only them is
-- ignored.
-- +goose StatementBegin
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before record;
    uid uuid;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        before := OLD;
        IF TG_TABLE_NAME = 'users' THEN
            before.last_login_at := NEW.last_login_at;
            uid := NEW.id;
        ELSE
            before.last_used_at := NEW.last_used_at;
            uid := NEW.user_id;
        END IF;
        IF before IS NOT DISTINCT FROM NEW THEN
            RETURN NULL;
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        uid := OLD.id;
    ELSE
        uid := OLD.user_id;
    END IF;
    PERFORM pg_notify('agentgraph_auth_changed', uid::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_keys_auth_changed AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION notify_auth_changed();

-- +goose Down
DROP TRIGGER api_keys_auth_changed ON api_keys;
DROP TRIGGER users_auth_changed ON users;
DROP FUNCTION notify_auth_changed();
