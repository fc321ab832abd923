-- name: WebhookSyncGraph :exec
-- Gives every WEBHOOK node of the graph's active version a webhook (keeping
-- the id of an existing one with the same node key, so its URL survives a
-- new version) and disables those whose key the active version lacks.
WITH active AS (
    SELECT n.node_key, g.user_id,
           CASE WHEN n.input_default->>'provider' = 'github' THEN 'github' ELSE 'agentgraph' END AS provider
    FROM graphs g
    JOIN nodes n ON n.graph_id = g.id AND n.graph_version = g.version
    JOIN blocks b ON b.id = n.block_id
    WHERE g.id = @graph_id AND g.is_active AND b.block_type = 'WEBHOOK'
), up AS (
    INSERT INTO webhooks (user_id, graph_id, node_key, provider)
    SELECT a.user_id, @graph_id, a.node_key, a.provider FROM active a
    ON CONFLICT (graph_id, node_key) DO UPDATE
        SET is_active = true, provider = EXCLUDED.provider, updated_at = now()
    RETURNING webhooks.id
)
UPDATE webhooks w SET is_active = false, updated_at = now()
WHERE w.graph_id = @graph_id AND w.is_active
  AND w.node_key NOT IN (SELECT a.node_key FROM active a)
  AND (SELECT count(*) FROM up) >= 0;

-- name: WebhookListByGraphs :many
-- The enabled webhooks of these graphs, by graph then node key.
SELECT * FROM webhooks WHERE graph_id = ANY(@graph_ids::uuid[]) AND is_active
ORDER BY graph_id, node_key;

-- name: WebhookGetForDeliveryMany :many
-- These webhooks, when enabled, with what a delivery needs: the graph's
-- active version and whether its owner is active. One statement for the
-- lookups of concurrent deliveries; missing or disabled ones are absent.
SELECT w.*, g.version AS graph_version, u.is_active AS user_active
FROM webhooks w
JOIN graphs g ON g.id = w.graph_id AND g.is_active
JOIN users u ON u.id = w.user_id
WHERE w.id = ANY(@ids::uuid[]) AND w.is_active;

-- name: WebhookSetSecret :one
UPDATE webhooks SET secret = @secret, secret_encrypted = @secret_encrypted, updated_at = now()
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: WebhookDeliveryGet :one
SELECT * FROM webhook_deliveries WHERE webhook_id = @webhook_id AND delivery_id = @delivery_id;

-- name: WebhookDeliveryStoreMany :many
-- Takes the deliveries' keys and stores the QUEUED runs of those it took
-- (seq 1: the QUEUED event), with one NOTIFY for them all, in ONE
-- statement: outside a transaction that is one round trip and one commit
-- for a whole batch of deliveries. A key another request already took
-- (this one then waited for that one's transaction to end), or an earlier
-- row of the same statement took, stores no run and is not returned.
-- Nor is a delivery whose webhook is no longer as it was checked against
-- (a cached lookup): @secrets, @graph_versions and @providers are what the
-- signature was checked with and the run would start; disabled, rotated,
-- a new active version or an owner deactivated since: nothing stored.
-- @runs is a JSON array of {id, graph_id, graph_version, user_id, inputs,
-- webhook_id, delivery_id}, @execution_ids[i] being runs[i].id. The
-- deliveries' foreign key to their run is deferred, so the keys come first.
-- The graph versions are locked (KEY SHARE) before anything is inserted, in
-- the order deleteGraph and updateGraph lock them (the graph, then its
-- webhooks): inserting the delivery first took the webhook's key lock
-- before the run's took the graph's, and a deleteGraph holding the graph
-- and deleting the webhook deadlocked with it. A version deleted while the
-- lock waited is skipped: nothing stored (the caller looks it up again).
WITH locked AS (
    SELECT g.id, g.version FROM graphs g
    WHERE g.id IN (SELECT w.graph_id FROM webhooks w WHERE w.id = ANY(@webhook_ids::uuid[])) AND g.is_active
    ORDER BY g.id
    FOR KEY SHARE
), won AS (
    INSERT INTO webhook_deliveries (webhook_id, delivery_id, body_sha256, execution_id)
    SELECT d.webhook_id, d.delivery_id, d.body_sha256, d.execution_id
    -- Parallel unnests in a select list zip their arrays (equal lengths).
    FROM (SELECT unnest(@webhook_ids::uuid[]) AS webhook_id, unnest(@delivery_ids::text[]) AS delivery_id,
                 unnest(@body_sha256s::bytea[]) AS body_sha256, unnest(@execution_ids::uuid[]) AS execution_id,
                 unnest(@secrets::bytea[]) AS secret, unnest(@graph_versions::int[]) AS graph_version,
                 unnest(@providers::text[]) AS provider) d
    JOIN webhooks w ON w.id = d.webhook_id AND w.is_active AND w.secret IS NOT DISTINCT FROM d.secret AND w.provider = d.provider
    JOIN locked g ON g.id = w.graph_id AND g.version = d.graph_version
    JOIN users u ON u.id = w.user_id AND u.is_active
    ON CONFLICT (webhook_id, delivery_id) DO NOTHING
    RETURNING execution_id
), stored AS (
    INSERT INTO graph_executions (id, graph_id, graph_version, user_id, status, inputs, user_context,
                                  last_seq, stats, trigger_kind, webhook_id, delivery_id)
    SELECT r.id, r.graph_id, r.graph_version, r.user_id, 'QUEUED', r.inputs, '{}'::jsonb,
           1, @stats, 'WEBHOOK', r.webhook_id, r.delivery_id
    FROM jsonb_to_recordset(@runs::jsonb)
         AS r(id uuid, graph_id uuid, graph_version int, user_id uuid, inputs jsonb, webhook_id uuid, delivery_id text)
    JOIN won ON won.execution_id = r.id
    RETURNING *
), notified AS (
    -- Sent on commit; one wakes every worker's claim loop.
    SELECT pg_notify(@channel::text, min(stored.id::text)) FROM stored HAVING count(*) > 0
)
SELECT stored.* FROM stored LEFT JOIN notified ON true;

-- name: WebhookOwnersActiveRuns :many
-- These owners' top-level runs not yet ended (queued or running), for the
-- concurrent-run limit of deliveries; owners with none are absent.
SELECT user_id, count(*)::bigint AS active FROM graph_executions
WHERE user_id = ANY(@user_ids::uuid[]) AND status IN ('QUEUED', 'RUNNING') AND parent_node_execution_id IS NULL
GROUP BY user_id;
