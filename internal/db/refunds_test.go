package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// A refund gives back a node execution's EXECUTION_COST once, as a REFUND
// entry with the same reference; one for a node never charged, or already
// refunded, changes nothing. The ledger always sums to the balance.
func TestRefunds(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	store := db.New(pool)
	ctx := context.Background()
	var uid uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email) VALUES ($1) RETURNING id`,
		"refund-"+uuid.NewString()[:8]+"@example.com").Scan(&uid))
	_, err := store.CreditAdd(ctx, uid, 5, "PURCHASE", "test")
	require.NoError(t, err)
	state := func() (balance, sum int64, refunds int) {
		require.NoError(t, pool.QueryRow(ctx, `SELECT c.balance,
			(SELECT sum(amount) FROM credit_transactions t WHERE t.user_id = c.user_id),
			(SELECT count(*) FROM credit_transactions t WHERE t.user_id = c.user_id AND transaction_type = 'REFUND')
			FROM user_credits c WHERE c.user_id = $1`, uid).Scan(&balance, &sum, &refunds))
		return
	}
	charged, never := uuid.NewString(), uuid.NewString()
	res, err := store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Charges: []db.Charge{{UserID: uid, ReferenceID: charged, Amount: 2}}})
	require.NoError(t, err)
	require.True(t, res[0].Paid)
	bal, sum, n := state()
	require.Equal(t, []int64{3, 3}, []int64{bal, sum})
	require.Zero(t, n)

	for range 2 { // the second time, there is nothing left to refund
		_, err = store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Refunds: []db.Refund{
			{UserID: uid, ReferenceID: charged, Description: "did not run"},
			{UserID: uid, ReferenceID: never, Description: "never charged"}}})
		require.NoError(t, err)
		bal, sum, n = state()
		require.Equal(t, []int64{5, 5}, []int64{bal, sum})
		require.Equal(t, 1, n)
	}
	var amount, after int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT amount, balance_after FROM credit_transactions
		WHERE reference_id = $1 AND transaction_type = 'REFUND'`, charged).Scan(&amount, &after))
	require.Equal(t, []int64{2, 5}, []int64{amount, after})

	// Refunded credits pay for a charge in the same batch (refunds go first).
	other := uuid.NewString()
	res, err = store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Charges: []db.Charge{{UserID: uid, ReferenceID: other, Amount: 5}}})
	require.NoError(t, err)
	require.True(t, res[0].Paid)
	res, err = store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{
		Charges: []db.Charge{{UserID: uid, ReferenceID: uuid.NewString(), Amount: 4}},
		Refunds: []db.Refund{{UserID: uid, ReferenceID: other}}})
	require.NoError(t, err)
	require.True(t, res[0].Paid)
	bal, sum, _ = state()
	require.Equal(t, []int64{1, 1}, []int64{bal, sum})
}

// A settled reservation gives back at most its Amount, once (0: nothing and
// no line, the ledger has no zero entries); more than was charged gives
// back only the charge.
func TestPartialRefunds(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	store := db.New(pool)
	ctx := context.Background()
	var uid uuid.UUID
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email) VALUES ($1) RETURNING id`,
		"settle-"+uuid.NewString()[:8]+"@example.com").Scan(&uid))
	_, err := store.CreditAdd(ctx, uid, 100, "PURCHASE", "test")
	require.NoError(t, err)
	n64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		charge int64
		back   *int64
		want   int64
		lines  int
	}{{30, n64(25), 25, 1}, {10, n64(0), 0, 0}, {5, n64(50), 5, 1}} {
		ref := uuid.NewString()
		res, err := store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Charges: []db.Charge{{UserID: uid, ReferenceID: ref, Amount: tc.charge}}})
		require.NoError(t, err)
		require.True(t, res[0].Paid)
		for range 2 { // once only
			_, err = store.ExecutionApplyBatch(ctx, &db.ExecutionBatch{Refunds: []db.Refund{{UserID: uid, ReferenceID: ref, Amount: tc.back, Description: "settled"}}})
			require.NoError(t, err)
		}
		var amount int64
		var count int
		require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce(sum(amount), 0), count(*) FROM credit_transactions
			WHERE reference_id = $1 AND transaction_type = 'REFUND'`, ref).Scan(&amount, &count))
		require.Equal(t, tc.want, amount)
		require.Equal(t, tc.lines, count)
	}
	var balance, sum int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT c.balance, (SELECT sum(amount) FROM credit_transactions t WHERE t.user_id = c.user_id)
		FROM user_credits c WHERE c.user_id = $1`, uid).Scan(&balance, &sum))
	require.Equal(t, int64(100-30+25-10-5+5), balance)
	require.Equal(t, balance, sum)
}
