-- +goose Up
-- What PersistInformationBlock stores and RetrieveInformationBlock reads: a
-- user's durable key/value pairs, AutoGPT's two scopes. within_agent pairs
-- belong to one agent (graph_id set; every version of it, every run);
-- across_agents pairs are shared by all the user's agents (graph_id null).
-- The run's owner is the user: a block never chooses whose storage it uses.
CREATE TABLE block_storage (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope      text NOT NULL CHECK (scope IN ('within_agent', 'across_agents')),
    graph_id   uuid,
    key        text NOT NULL CHECK (length(key) <= 1000),
    value      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chk_block_storage_scope CHECK ((scope = 'within_agent') = (graph_id IS NOT NULL))
);
-- One value per key and place. The key comes before graph_id so a lookup
-- (user, scope, key, graph or none) is a plain index search.
CREATE UNIQUE INDEX idx_block_storage_key ON block_storage (user_id, scope, key, graph_id) NULLS NOT DISTINCT;
CREATE INDEX idx_block_storage_graph ON block_storage (graph_id) WHERE graph_id IS NOT NULL;

-- graphs has no single-column key to reference: an agent's pairs go when
-- its last version does (as its webhooks do).
-- +goose StatementBegin
CREATE FUNCTION block_storage_drop_with_graph() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM block_storage s WHERE s.graph_id = OLD.id
        AND NOT EXISTS (SELECT 1 FROM graphs g WHERE g.id = OLD.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER trg_block_storage_drop_with_graph AFTER DELETE ON graphs
    FOR EACH ROW EXECUTE FUNCTION block_storage_drop_with_graph();

-- +goose Down
DROP TRIGGER trg_block_storage_drop_with_graph ON graphs;
DROP FUNCTION block_storage_drop_with_graph();
DROP TABLE block_storage;
