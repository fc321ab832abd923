-- name: UserCreditEnsure :one
INSERT INTO user_credits (user_id) VALUES (@user_id)
ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
RETURNING *;

-- name: UserCreditGet :one
SELECT * FROM user_credits WHERE user_id = @user_id;

-- name: UserCreditAdd :one
-- Adds only while the balance stays at or below max_balance (checked on the
-- row as locked, so concurrent grants cannot pass it together). No row: it
-- would not.
UPDATE user_credits SET balance = balance + @amount, updated_at = now()
WHERE user_id = @user_id AND balance + @amount <= @max_balance::bigint
RETURNING *;

-- name: UserCreditDeduct :one
-- Succeeds only when the balance covers the amount: the balance never goes below zero.
UPDATE user_credits SET balance = balance - @amount, updated_at = now()
WHERE user_id = @user_id AND balance >= @amount
RETURNING *;

-- name: UserCreditAdjust :one
-- Adds a signed amount only if the balance stays at or above zero and, for
-- an amount that adds, at or below max_balance. No row: it would not.
UPDATE user_credits SET balance = balance + @amount, updated_at = now()
WHERE user_id = @user_id AND balance + @amount >= 0
  AND (@amount <= 0 OR balance + @amount <= @max_balance::bigint)
RETURNING *;
