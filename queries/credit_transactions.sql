-- name: CreditTransactionInsert :one
INSERT INTO credit_transactions (user_id, amount, transaction_type, description, reference_id, balance_after)
VALUES (@user_id, @amount, @transaction_type, @description, sqlc.narg('reference_id'), @balance_after)
RETURNING *;

-- name: CreditTransactionListByUser :many
SELECT * FROM credit_transactions
WHERE user_id = @user_id
  AND (sqlc.narg('before_created')::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg('before_created')::timestamptz, sqlc.narg('before_id')::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: CreditTransactionSum :one
SELECT coalesce(sum(amount), 0)::bigint FROM credit_transactions WHERE user_id = @user_id;

-- name: CreditUsage :many
-- A user's execution charges net of refunds in [from, to), grouped by
-- @group_by: 'GRAPH' (graph id), 'BLOCK' (block id) or 'DAY' (UTC date).
-- runs counts distinct runs, node_executions distinct node executions
-- charged. Served by idx_credit_tx_usage.
SELECT (CASE @group_by::text
            WHEN 'GRAPH' THEN coalesce(t.graph_id::text, '')
            WHEN 'BLOCK' THEN coalesce(t.block_id::text, '')
            ELSE to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') END)::text AS key,
       (0 - sum(t.amount))::bigint AS credits,
       count(DISTINCT t.graph_execution_id)::bigint AS runs,
       count(DISTINCT t.reference_id)::bigint AS node_executions
FROM credit_transactions t
WHERE t.user_id = @user_id AND t.transaction_type IN ('EXECUTION_COST', 'REFUND')
  AND t.created_at >= @from_time AND t.created_at < @to_time
GROUP BY 1
ORDER BY 1;
