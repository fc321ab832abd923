-- name: NodeExecutionListByExecutions :many
-- Every node execution of many runs in one statement, in creation order.
SELECT * FROM node_executions
WHERE graph_execution_id = ANY(@ids::uuid[])
ORDER BY graph_execution_id, created_at, id;

-- name: NodeExecutionListByExecutionsWithoutValues :many
-- NodeExecutionListByExecutions without the inputs and outputs, for lists
-- that do not show them (the editor's): a run's values may be large.
SELECT id, graph_execution_id, node_id, status, created_at, started_at, ended_at, error_message, stats
FROM node_executions
WHERE graph_execution_id = ANY(@ids::uuid[])
ORDER BY graph_execution_id, created_at, id;

-- name: NodeExecutionInsertMany :execrows
-- New node executions of a group commit (one statement for all runs).
INSERT INTO node_executions (id, graph_execution_id, node_id, status, inputs, outputs, created_at,
                             started_at, ended_at, error_message, stats)
SELECT v.id, v.graph_execution_id, v.node_id, v.status, v.inputs, coalesce(v.outputs, '{}'), v.created_at,
       v.started_at, v.ended_at, v.error_message, coalesce(v.stats, '{}')
FROM jsonb_to_recordset(@rows::jsonb) AS v(id uuid, graph_execution_id uuid, node_id uuid,
    status execution_status, inputs jsonb, outputs jsonb, created_at timestamptz, started_at timestamptz,
    ended_at timestamptz, error_message text, stats jsonb);

-- name: NodeExecutionUpdateMany :execrows
-- Changed node executions of a group commit. Each row moves only from the
-- status it had when last written (prev_status): an illegal or lost move
-- updates nothing, and the caller compares the count.
-- The ids are also matched as an array (ANY): that is what gives the
-- primary-key scan an index condition in a generic plan made while the
-- table was small or never analyzed (joined to the recordset alone, that
-- plan walks the whole table or index, and the connection keeps it as the
-- table grows). It runs only in a group commit's transaction, whose plans
-- make no sequential scan (db.GroupCommitPlans); plans_test.go checks the
-- plan.
UPDATE node_executions ne SET
    status = v.status, outputs = coalesce(v.outputs, ne.outputs), started_at = v.started_at,
    ended_at = v.ended_at, error_message = v.error_message, stats = coalesce(v.stats, ne.stats)
FROM jsonb_to_recordset(@rows::jsonb) AS v(id uuid, prev_status execution_status, status execution_status,
    outputs jsonb, started_at timestamptz, ended_at timestamptz, error_message text, stats jsonb)
WHERE ne.id = v.id AND ne.status = v.prev_status
  AND ne.id = ANY (ARRAY(SELECT (r->>'id')::uuid FROM jsonb_array_elements(@rows::jsonb) AS r));

-- name: NodeExecutionCharge :batchone
-- Charges node executions (a batch: one round trip for a commit's charges, each
-- seeing the balance the previous left): deducts the amount only if the balance covers
-- it and the execution was not charged before, and records the ledger
-- transaction (amount negative, balance_after the new balance). No row: not
-- charged (insufficient balance, or already charged — see
-- NodeExecutionCharged).
WITH d AS (
    UPDATE user_credits SET balance = balance - @amount::bigint, updated_at = now()
    WHERE user_id = @user_id AND balance >= @amount::bigint
      AND NOT EXISTS (SELECT 1 FROM credit_transactions t
                      WHERE t.reference_id = @reference_id::text AND t.transaction_type = 'EXECUTION_COST')
    RETURNING balance
)
INSERT INTO credit_transactions (user_id, amount, transaction_type, description, reference_id, balance_after,
                                 graph_execution_id, graph_id, block_id)
SELECT @user_id, 0 - @amount::bigint, 'EXECUTION_COST', @description::text, @reference_id::text, d.balance,
       sqlc.narg('graph_execution_id')::uuid, sqlc.narg('graph_id')::uuid, sqlc.narg('block_id')::uuid FROM d
RETURNING id, balance_after;

-- name: NodeExecutionChargeUpfront :many
-- Charges one user's upfront charges of a group commit at once (the engine's
-- run.charge): one balance update for their total, only if the balance
-- covers all of them, and one ledger row each (in @rows order, balance_after
-- the balance left after it). No row: none charged. Upfront charges are for
-- node executions never charged before (no resumed ones), so unlike
-- NodeExecutionCharge there is nothing to check per reference; the unique
-- index idx_credit_tx_once would refuse a second charge anyway.
WITH d AS (
    UPDATE user_credits SET balance = balance - @total::bigint, updated_at = now()
    WHERE user_id = @user_id AND balance >= @total::bigint
    RETURNING balance + @total::bigint AS before
)
INSERT INTO credit_transactions (user_id, amount, transaction_type, description, reference_id, balance_after,
                                 graph_execution_id, graph_id, block_id)
SELECT @user_id, 0 - v.amount, 'EXECUTION_COST', v.description, v.reference_id,
       d.before - sum(v.amount) OVER (ORDER BY v.ord),
       v.graph_execution_id, v.graph_id, v.block_id
FROM d, jsonb_to_recordset(@rows::jsonb) AS v(ord int, amount bigint, description text, reference_id text,
    graph_execution_id uuid, graph_id uuid, block_id uuid)
ORDER BY v.ord
RETURNING reference_id, balance_after;

-- name: NodeExecutionCharged :one
SELECT EXISTS (SELECT 1 FROM credit_transactions
               WHERE reference_id = @reference_id::text AND transaction_type = 'EXECUTION_COST')::boolean;

-- name: NodeExecutionRefund :one
-- Refunds what a node execution was charged before its block ran, when the
-- block never ran: credits the amount of its EXECUTION_COST back and records
-- the REFUND entry (same reference, amount positive, balance_after the new
-- balance). No row: nothing to refund (never charged, or refunded already).
-- @amount >= 0 gives back at most that much: the unused part of a
-- reservation; -1 gives back all of it.
WITH c AS (
    SELECT t.user_id, CASE WHEN @amount::bigint >= 0 THEN least(@amount::bigint, 0 - t.amount) ELSE 0 - t.amount END AS amount,
           t.graph_execution_id, t.graph_id, t.block_id
    FROM credit_transactions t
    WHERE t.reference_id = @reference_id::text AND t.transaction_type = 'EXECUTION_COST'
      AND NOT EXISTS (SELECT 1 FROM credit_transactions r
                      WHERE r.reference_id = @reference_id::text AND r.transaction_type = 'REFUND')
), u AS (
    UPDATE user_credits uc SET balance = uc.balance + c.amount, updated_at = now()
    FROM c WHERE uc.user_id = c.user_id
    RETURNING uc.user_id, uc.balance, c.amount, c.graph_execution_id, c.graph_id, c.block_id
)
INSERT INTO credit_transactions (user_id, amount, transaction_type, description, reference_id, balance_after,
                                 graph_execution_id, graph_id, block_id)
SELECT u.user_id, u.amount, 'REFUND', @description::text, @reference_id::text, u.balance,
       u.graph_execution_id, u.graph_id, u.block_id FROM u
RETURNING amount, balance_after;

-- name: NodeExecutionCancelOpen :many
-- Ends every node execution of a run that is still open (used when a run
-- whose worker is gone is cancelled).
UPDATE node_executions SET status = 'CANCELLED', ended_at = greatest(now(), coalesce(started_at, created_at)),
    error_message = coalesce(error_message, 'cancelled')
WHERE graph_execution_id = @id AND status IN ('QUEUED', 'RUNNING')
RETURNING id, node_id;

-- name: NodeInputListByExecution :many
-- Partial inputs of node executions waiting for linked pins, in creation order.
SELECT * FROM node_execution_inputs WHERE graph_execution_id = @id ORDER BY created_at, id;

-- name: NodeInputUpsertMany :exec
INSERT INTO node_execution_inputs (id, graph_execution_id, node_id, inputs, created_at)
SELECT v.id, v.graph_execution_id, v.node_id, v.inputs, v.created_at
FROM jsonb_to_recordset(@rows::jsonb) AS v(id uuid, graph_execution_id uuid, node_id uuid, inputs jsonb,
    created_at timestamptz)
ON CONFLICT (id) DO UPDATE SET inputs = EXCLUDED.inputs;

-- name: NodeInputDeleteMany :exec
DELETE FROM node_execution_inputs WHERE id = ANY(@ids::uuid[]);

-- name: NodeInputDeleteByExecutions :exec
DELETE FROM node_execution_inputs WHERE graph_execution_id = ANY(@ids::uuid[]);

-- name: NodeExecutionPageByNodes :many
-- One page of each node's executions in one user's runs, newest first, for
-- many nodes in one statement (the Node.executions dataloader): keyset on
-- (created_at, id) after the cursor, at most @lim per node, each walked in
-- order on idx_node_exec_node_created.
SELECT p.id, p.graph_execution_id, p.node_id, p.status, p.inputs, p.outputs, p.created_at, p.started_at,
       p.ended_at, p.error_message, p.stats
FROM unnest(@node_ids::uuid[]) AS k(node_id)
CROSS JOIN LATERAL (
    SELECT ne.id, ne.graph_execution_id, ne.node_id, ne.status, ne.inputs, ne.outputs, ne.created_at, ne.started_at,
           ne.ended_at, ne.error_message, ne.stats
    FROM node_executions ne
    JOIN graph_executions ge ON ge.id = ne.graph_execution_id
    WHERE ne.node_id = k.node_id AND ge.user_id = @user_id
      AND (sqlc.narg('before_created')::timestamptz IS NULL
           OR (ne.created_at, ne.id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
    ORDER BY ne.created_at DESC, ne.id DESC
    LIMIT @lim
) p
ORDER BY p.node_id, p.created_at DESC, p.id DESC;
