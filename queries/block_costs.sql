-- name: BlockCostDeleteByBlock :exec
DELETE FROM block_costs WHERE block_id = @block_id;

-- name: BlockCostInsert :exec
INSERT INTO block_costs (block_id, cost_type, cost_amount, cost_currency, cost_filter, description, source)
VALUES (@block_id, @cost_type, @cost_amount, @cost_currency, @cost_filter, @description, @source);

-- name: BlockCostOperatorSet :one
-- Whether an operator set this block's costs (block sync then leaves them).
SELECT EXISTS (SELECT 1 FROM block_cost_changes WHERE block_id = @block_id)::boolean;

-- name: BlockCostChangeInsert :one
INSERT INTO block_cost_changes (block_id, changed_by, costs) VALUES (@block_id, sqlc.narg('changed_by'), @costs)
RETURNING *;

-- name: BlockCostOperatorList :many
-- The costs in force of every block an operator set costs for (possibly
-- none): the latest change of each.
SELECT DISTINCT ON (block_id) block_id, costs, changed_by, changed_at FROM block_cost_changes
ORDER BY block_id, changed_at DESC, id DESC;

-- name: BlockCostList :many
SELECT * FROM block_costs ORDER BY block_id, id;
