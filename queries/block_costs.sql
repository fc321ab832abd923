-- name: BlockCostDeleteByBlock :exec
DELETE FROM block_costs WHERE block_id = @block_id;

-- name: BlockCostInsert :exec
INSERT INTO block_costs (block_id, cost_type, cost_amount, cost_currency, cost_filter, description)
VALUES (@block_id, @cost_type, @cost_amount, @cost_currency, @cost_filter, @description);

-- name: BlockCostList :many
SELECT * FROM block_costs ORDER BY block_id, id;
