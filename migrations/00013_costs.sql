-- +goose Up
-- Costs of every kind (issue 15): a budget per run, operator-set block
-- costs, and the ledger lines a user's usage is read from.

-- A run's budget in credits (NULL: none). The engine starts no charge that
-- would take the run's spend past it.
ALTER TABLE graph_executions ADD COLUMN max_cost bigint CHECK (max_cost >= 0);

-- Where a block's costs come from: 'code' rows are rewritten by block sync
-- from the code's defaults; once an operator sets a block's costs
-- (setBlockCosts) they are 'operator' rows, which sync leaves alone.
ALTER TABLE block_costs ADD COLUMN source text NOT NULL DEFAULT 'code' CHECK (source IN ('code', 'operator'));

-- Every change an operator made to a block's costs: who, when, and the
-- costs set (a JSON array of {costType, costAmount, costCurrency,
-- costFilter, description}).
CREATE TABLE block_cost_changes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    block_id   uuid NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    changed_by uuid REFERENCES users (id) ON DELETE SET NULL,
    costs      jsonb NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_block_cost_changes_block ON block_cost_changes (block_id, changed_at DESC);
-- Deleting a user sets their changes' changed_by to NULL: found by index.
CREATE INDEX idx_block_cost_changes_by ON block_cost_changes (changed_by);

-- What a node execution's charge and refund were for, copied onto the
-- ledger line so usage groups by graph, block or day without joins.
ALTER TABLE credit_transactions
    ADD COLUMN graph_execution_id uuid,
    ADD COLUMN graph_id uuid,
    ADD COLUMN block_id uuid;
-- me.usage: a user's execution lines in a time range, covered by the index.
CREATE INDEX idx_credit_tx_usage ON credit_transactions (user_id, created_at)
    INCLUDE (amount, graph_execution_id, graph_id, block_id, reference_id)
    WHERE transaction_type IN ('EXECUTION_COST', 'REFUND');

-- +goose Down
DROP INDEX idx_credit_tx_usage;
ALTER TABLE credit_transactions DROP COLUMN graph_execution_id, DROP COLUMN graph_id, DROP COLUMN block_id;
DROP TABLE block_cost_changes;
ALTER TABLE block_costs DROP COLUMN source;
ALTER TABLE graph_executions DROP COLUMN max_cost;
