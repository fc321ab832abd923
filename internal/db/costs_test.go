package db_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// An adjustment moves the balance either way with its reason on the
// ledger, and never below zero (refused, nothing written).
func TestCreditAdjust(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	_, err := b.store.CreditAdd(b.ctx, u.ID, 10, "PURCHASE", "bought")
	require.NoError(t, err)
	c, err := b.store.CreditAdjust(b.ctx, u.ID, -4, "goodwill correction")
	require.NoError(t, err)
	require.Equal(t, int64(6), c.Balance)
	_, err = b.store.CreditAdjust(b.ctx, u.ID, -7, "too much")
	var bad *model.InputError
	require.True(t, errors.As(err, &bad), "%v", err)
	require.Equal(t, "amount", bad.Field)
	txs, err := b.store.CreditTransactions(b.ctx, u.ID, nil, 10)
	require.NoError(t, err)
	require.Len(t, txs, 2, "the refused adjustment wrote nothing")
	require.Equal(t, "ADJUSTMENT", txs[0].Type)
	require.Equal(t, "goodwill correction", txs[0].Description)
	require.Equal(t, int64(-4), txs[0].Amount)
	bal, err := b.store.UserBalance(b.ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, int64(6), bal)
}

// Operator-set costs replace a block's, are recorded with who and when,
// and survive block sync.
func TestBlockCostsSet(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	admin := b.user()
	priced := db.BlockDescriptor{ID: blockA, Name: "StoreTestSourceBlock", Type: "STANDARD", Categories: []string{"BASIC"},
		InputSchema: json.RawMessage(`{}`), OutputSchema: json.RawMessage(`{}`),
		Costs: []db.BlockCost{{Type: "RUN", Amount: 5, Currency: "USD", Filter: json.RawMessage(`{}`), Description: "code"}}}
	require.NoError(t, b.store.BlockSync(b.ctx, []db.BlockDescriptor{priced, testBlocks[0], testBlocks[2]}))
	before := time.Now().Add(-time.Minute)
	ch, err := b.store.BlockCostsSet(b.ctx, blockA, []db.BlockCost{
		{Type: "REQUEST", Amount: 2, Currency: "USD", Filter: json.RawMessage(`{"model":"x"}`), Description: "op"}}, admin.ID)
	require.NoError(t, err)
	require.Equal(t, admin.ID, *ch.ChangedBy)
	require.True(t, ch.ChangedAt.After(before))
	require.NoError(t, b.store.BlockSync(b.ctx, []db.BlockDescriptor{priced, testBlocks[0], testBlocks[2]}))
	var typ, source string
	var amount int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT cost_type::text, cost_amount, source FROM block_costs WHERE block_id = $1`, blockA).Scan(&typ, &amount, &source))
	require.Equal(t, []any{"REQUEST", int64(2), "operator"}, []any{typ, amount, source}, "sync left the operator's costs")
	all, err := b.store.BlockCostsOperator(b.ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, "REQUEST", all[0].Costs[0].Type)
	require.JSONEq(t, `{"model":"x"}`, string(all[0].Costs[0].Filter))
	_, err = b.store.BlockCostsSet(b.ctx, blockB, nil, admin.ID)
	require.NoError(t, err)
	all, err = b.store.BlockCostsOperator(b.ctx)
	require.NoError(t, err)
	require.Len(t, all, 2, "made free is a setting too")
	_, err = b.store.BlockCostsSet(b.ctx, admin.ID, nil, admin.ID)
	require.True(t, errors.Is(err, model.ErrNotFound))
}

// Usage groups a user's charges net of refunds.
func TestCreditUsage(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	_, err := b.store.CreditAdd(b.ctx, u.ID, 100, "PURCHASE", "bought")
	require.NoError(t, err)
	// References unique to this run: an EXECUTION_COST's is unique in the
	// package's database, which outlives one run (go test -count=N).
	ne1, ne2 := "ne-1-"+u.ID.String(), "ne-2-"+u.ID.String()
	for _, ref := range []string{ne1, ne2} {
		_, err := b.pool.Exec(b.ctx, `UPDATE user_credits SET balance = balance - 10 WHERE user_id = $1`, u.ID)
		require.NoError(t, err)
		_, err = b.pool.Exec(b.ctx, `INSERT INTO credit_transactions (user_id, amount, transaction_type, reference_id, balance_after, graph_execution_id, graph_id, block_id)
			SELECT $1, -10, 'EXECUTION_COST', $2, balance, $3, $4, $5 FROM user_credits WHERE user_id = $1`, u.ID, ref, blockA, blockB, blockHook)
		require.NoError(t, err)
	}
	_, err = b.pool.Exec(b.ctx, `INSERT INTO credit_transactions (user_id, amount, transaction_type, reference_id, balance_after, graph_execution_id, graph_id, block_id)
		VALUES ($1, 4, 'REFUND', $5, 84, $2, $3, $4)`, u.ID, blockA, blockB, blockHook, ne1)
	require.NoError(t, err)
	now := time.Now()
	lines, err := b.store.CreditUsage(b.ctx, u.ID, now.Add(-time.Hour), now.Add(time.Hour), "GRAPH")
	require.NoError(t, err)
	require.Equal(t, []model.UsageLine{{Key: blockB.String(), Credits: 16, Runs: 1, NodeExecutions: 2}}, lines)
	lines, err = b.store.CreditUsage(b.ctx, u.ID, now.Add(-time.Hour), now.Add(time.Hour), "DAY")
	require.NoError(t, err)
	require.Len(t, lines, 1)
	require.Equal(t, int64(16), lines[0].Credits)
	lines, err = b.store.CreditUsage(b.ctx, u.ID, now.Add(time.Hour), now.Add(2*time.Hour), "BLOCK")
	require.NoError(t, err)
	require.Empty(t, lines)
}

// A balance holds at most model.MaxBalance (a GraphQL Int is 32 bits): a
// grant or adjustment past it is refused on amount, nothing written, in the
// statement that adds.
func TestCreditsStopAtMaxBalance(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u := b.user()
	c, err := b.store.CreditAdd(b.ctx, u.ID, model.MaxBalance-5, "PURCHASE", "bought")
	require.NoError(t, err)
	require.Equal(t, int64(model.MaxBalance-5), c.Balance)
	for _, add := range []func() (*db.Credit, error){
		func() (*db.Credit, error) { return b.store.CreditAdd(b.ctx, u.ID, 6, "PURCHASE", "one too many") },
		func() (*db.Credit, error) { return b.store.CreditAdjust(b.ctx, u.ID, 6, "one too many") },
	} {
		_, err := add()
		var ie *model.InputError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, "amount", ie.Field)
		require.Contains(t, ie.Error(), "past 2147483647")
	}
	c, err = b.store.CreditAdd(b.ctx, u.ID, 5, "PURCHASE", "to the top")
	require.NoError(t, err)
	require.Equal(t, int64(model.MaxBalance), c.Balance)
	_, err = b.store.CreditAdjust(b.ctx, u.ID, -7, "down")
	require.NoError(t, err, "taking is not limited by the top")
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM credit_transactions WHERE user_id = $1`, u.ID).Scan(&n))
	require.Equal(t, 3, n, "nothing written for the refusals")
}
