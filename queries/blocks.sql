-- name: BlockUpsert :exec
INSERT INTO blocks (id, name, description, categories, block_type, input_schema, output_schema,
                    credential_providers, disabled, updated_at)
VALUES (@id, @name, @description, @categories, @block_type, @input_schema, @output_schema,
        @credential_providers, false, now())
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, description = EXCLUDED.description, categories = EXCLUDED.categories,
    block_type = EXCLUDED.block_type, input_schema = EXCLUDED.input_schema,
    output_schema = EXCLUDED.output_schema, credential_providers = EXCLUDED.credential_providers,
    disabled = false, updated_at = now();

-- name: BlockDisableMissing :exec
-- Blocks no longer in the code stay (nodes still reference them) but are disabled.
UPDATE blocks SET disabled = true, updated_at = now() WHERE NOT (id = ANY(@ids::uuid[]));

-- name: BlockList :many
SELECT * FROM blocks ORDER BY name;
