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
