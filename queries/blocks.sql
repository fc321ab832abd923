-- name: BlockInsert :exec
-- A block new to the database; an existing one is left to BlockUpdate.
INSERT INTO blocks (id, name, description, categories, block_type, input_schema, output_schema,
                    credential_providers, disabled, updated_at)
VALUES (@id, @name, @description, @categories, @block_type, @input_schema, @output_schema,
        @credential_providers, false, now())
ON CONFLICT (id) DO NOTHING;

-- name: BlockUpdate :exec
-- Rewrites a block only when the code changed it. A plain UPDATE skips an
-- unchanged row without locking it, and one that keeps the name (a key
-- column: it is unique) takes a lock that graph saves' foreign-key checks
-- on nodes do not conflict with. An upsert (ON CONFLICT DO UPDATE) locked
-- every row FOR UPDATE, and a process syncing blocks at start-up deadlocked
-- with a concurrent save of a graph using them.
UPDATE blocks SET
    name = @name, description = @description, categories = @categories,
    block_type = @block_type, input_schema = @input_schema, output_schema = @output_schema,
    credential_providers = @credential_providers, disabled = false, updated_at = now()
WHERE id = @id
  AND (name, description, categories, block_type, input_schema, output_schema, credential_providers, disabled)
      IS DISTINCT FROM
      (@name::text, @description::text, @categories::text[], @block_type::block_type, @input_schema::jsonb,
       @output_schema::jsonb, @credential_providers::text[], false);

-- name: BlockDisableMissing :exec
-- Blocks no longer in the code stay (nodes still reference them) but are disabled.
UPDATE blocks SET disabled = true, updated_at = now() WHERE NOT (id = ANY(@ids::uuid[])) AND NOT disabled;

-- name: BlockList :many
SELECT * FROM blocks ORDER BY name;

-- name: BlockExists :one
SELECT EXISTS (SELECT 1 FROM blocks WHERE id = @id)::boolean;
