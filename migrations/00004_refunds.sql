-- +goose Up
-- A node execution charged before its block ran, whose block then never ran
-- (its run ended first), is refunded: one REFUND ledger entry carrying the
-- node execution id, like its EXECUTION_COST. At most one per node
-- execution, and the engine finds it by reference_id.
CREATE UNIQUE INDEX idx_credit_tx_refund_once ON credit_transactions (reference_id) WHERE transaction_type = 'REFUND';

-- +goose Down
DROP INDEX idx_credit_tx_refund_once;
