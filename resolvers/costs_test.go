package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// ledgerOf is a user's balance and ledger (sum, and count of lines), read in SQL.
func ledgerOf(t *testing.T, u uuid.UUID) (balance, sum, lines int64) {
	t.Helper()
	require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(), `SELECT c.balance,
		(SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE user_id = c.user_id),
		(SELECT count(*) FROM credit_transactions WHERE user_id = c.user_id)
		FROM user_credits c WHERE c.user_id = $1`, u).Scan(&balance, &sum, &lines))
	return balance, sum, lines
}

// refusedField sends a request that must fail with code naming field, and
// returns nothing else.
func (b *bundle) refusedField(tok, query string, vars map[string]any, code, field string) {
	b.t.Helper()
	r := b.do(tok, query, vars)
	require.Equalf(b.t, code, r.code(), "%s %v: %+v", query, vars, r.Errors)
	if field != "" {
		require.Equalf(b.t, field, r.Errors[0].Extensions["field"], "%s %v: %+v", query, vars, r.Errors)
	}
}

const adjust = `mutation($u: ID!, $a: Int!, $r: String!) { adjustCredits(userId: $u, amount: $a, reason: $r) { balance userId } }`

// adjustCredits writes one ADJUSTMENT with the reason and answers the
// balance; no reason, a zero amount or a balance taken below zero is
// BAD_USER_INPUT naming the field, with nothing written; a non-admin is
// FORBIDDEN.
func TestAdjustCredits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, adm := b.user(model.RoleAdmin)
	u, tok := b.user(model.RoleUser)
	bal0, _, lines0 := ledgerOf(t, u.ID)

	var got struct {
		Balance int
		UserID  string
	}
	b.ok(adm, adjust, map[string]any{"u": u.ID, "a": -250, "r": "refund of a double charge"}, "adjustCredits", &got)
	require.Equal(t, int(bal0-250), got.Balance)
	require.Equal(t, u.ID.String(), got.UserID)
	var typ, desc string
	var amount int64
	require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(), `SELECT transaction_type::text, amount, description
		FROM credit_transactions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, u.ID).Scan(&typ, &amount, &desc))
	require.Equal(t, "ADJUSTMENT", typ)
	require.Equal(t, int64(-250), amount)
	require.Equal(t, "refund of a double charge", desc)
	bal, sum, lines := ledgerOf(t, u.ID)
	require.Equal(t, bal0-250, bal)
	require.Equal(t, bal, sum)
	require.Equal(t, lines0+1, lines)

	for _, tc := range []struct {
		amount       int64
		reason, code string
		field        string
	}{
		{10, "", "BAD_USER_INPUT", "reason"},
		{10, "   ", "BAD_USER_INPUT", "reason"},
		{0, "nothing", "BAD_USER_INPUT", "amount"},
		{-(bal + 1), "too much", "BAD_USER_INPUT", "amount"},
	} {
		b.refusedField(adm, adjust, map[string]any{"u": u.ID, "a": tc.amount, "r": tc.reason}, tc.code, tc.field)
	}
	b.refusedField(tok, adjust, map[string]any{"u": u.ID, "a": 10, "r": "mine"}, "FORBIDDEN", "")
	after, sum, lines := ledgerOf(t, u.ID)
	require.Equal(t, bal, after, "nothing written")
	require.Equal(t, after, sum)
	require.Equal(t, lines0+1, lines, "nothing written")
}

// paidGraph is an input feeding two AgentExecutorBlock nodes in a chain
// (RUN, 1 credit each) running a free child graph, then a WaitBlock
// (SECOND, usage-priced), then an output.
func paidGraph(b *bundle, tok string) (graphID string) {
	b.t.Helper()
	// Graph ids (not a version's id): AgentExecutorBlock's graph_id takes one.
	const createGraph = `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`
	var child struct{ GraphID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "child", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x", "value": "v"}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "y"}}},
		"links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "out", "sinkName": "value"}}}}, "createGraph", &child)
	var g struct{ GraphID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "paid", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
		{"key": "a1", "blockId": "AgentExecutorBlock", "inputDefault": map[string]any{"graph_id": child.GraphID}},
		{"key": "a2", "blockId": "AgentExecutorBlock", "inputDefault": map[string]any{"graph_id": child.GraphID}},
		{"key": "wait", "blockId": "WaitBlock", "inputDefault": map[string]any{"seconds": 0.01}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "y"}}},
		"links": []map[string]any{
			{"sourceKey": "in", "sourceName": "result", "sinkKey": "a1", "sinkName": "agent_name"},
			{"sourceKey": "a1", "sourceName": "y", "sinkKey": "a2", "sinkName": "agent_name"},
			{"sourceKey": "a2", "sourceName": "y", "sinkKey": "wait", "sinkName": "data"},
			{"sourceKey": "wait", "sourceName": "data", "sinkKey": "out", "sinkName": "value"}}}}, "createGraph", &g)
	return g.GraphID
}

const estimate = `query($g: ID!) { estimateGraphCost(graphId: $g, inputs: {x: "hi"}) { min max byNode { nodeKey costType amount min } } }`

type costEstimate struct {
	Min    int
	Max    *int
	ByNode []struct {
		NodeKey, CostType string
		Amount, Min       int
	}
}

// estimateGraphCost: min ≤ max, one entry per paid node; someone else's
// graph is NOT_FOUND. executeGraph(maxCost): negative is BAD_USER_INPUT
// naming maxCost with no run stored; a budget below the estimate's min
// ends the run FAILED keeping no more than the budget.
func TestEstimateAndBudget(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	g := paidGraph(b, tok)

	var est costEstimate
	b.ok(tok, estimate, map[string]any{"g": g}, "estimateGraphCost", &est)
	require.NotNil(t, est.Max)
	require.LessOrEqual(t, est.Min, *est.Max)
	require.Equal(t, 2, est.Min, "two sub-agent runs at 1 credit always run")
	keys := map[string]string{}
	for _, n := range est.ByNode {
		keys[n.NodeKey] = n.CostType
		require.LessOrEqual(t, n.Min, n.Amount, n.NodeKey)
	}
	require.Equal(t, map[string]string{"a1": "RUN", "a2": "RUN", "wait": "SECOND"}, keys, "one entry per paid node")
	b.refusedField(other, estimate, map[string]any{"g": g}, "NOT_FOUND", "")
	// Inputs may be partial, but not named wrong: executeGraph would refuse it.
	b.ok(tok, `query($g: ID!) { estimateGraphCost(graphId: $g, inputs: {}) { min } }`, map[string]any{"g": g}, "", nil)
	b.refusedField(tok, `query($g: ID!) { estimateGraphCost(graphId: $g, inputs: {x: "hi", y: 1}) { min } }`,
		map[string]any{"g": g}, "BAD_USER_INPUT", "inputs.y")

	run := `mutation($g: ID!, $m: Int) { executeGraph(graphId: $g, inputs: {x: "hi"}, maxCost: $m) { id } }`
	countRuns := func() (n int) {
		require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(),
			`SELECT count(*) FROM graph_executions WHERE user_id = $1`, u.ID).Scan(&n))
		return n
	}
	b.refusedField(tok, run, map[string]any{"g": g, "m": -1}, "BAD_USER_INPUT", "maxCost")
	require.Zero(t, countRuns(), "nothing written")

	bal0, _, _ := ledgerOf(t, u.ID)
	budget := est.Min - 1
	var ex struct{ ID string }
	b.ok(tok, run, map[string]any{"g": g, "m": budget}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "FAILED")
	var got struct {
		Status       string
		ErrorMessage string
		Stats        struct{ TotalCost int }
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { status errorMessage stats { totalCost } } }`, map[string]any{"id": ex.ID}, "execution", &got)
	require.Contains(t, got.ErrorMessage, "budget exceeded")
	require.LessOrEqual(t, got.Stats.TotalCost, budget)
	bal, sum, _ := ledgerOf(t, u.ID)
	require.Equal(t, bal, sum)
	require.Equal(t, int64(got.Stats.TotalCost), bal0-bal, "the run's totalCost is what the user paid")
	require.LessOrEqual(t, bal0-bal, int64(budget), "nothing kept beyond the budget")
}

// setBlockCosts (ADMIN): the blocks query shows the new cost; an unknown
// kind or a negative amount is BAD_USER_INPUT naming the field, a
// non-admin FORBIDDEN, with nothing changed.
func TestSetBlockCosts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, adm := b.user(model.RoleAdmin)
	_, tok := b.user(model.RoleUser)
	// A free block no other test of this package runs: the package's
	// tests share one database, whose costs every engine reads.
	const block = "RandomNumberBlock"
	var blks []struct {
		ID, Name string
		Costs    []struct {
			CostType   string
			CostAmount int
		}
	}
	costsOf := func() []struct {
		CostType   string
		CostAmount int
	} {
		b.ok("", `{ blocks { id name costs { costType costAmount } } }`, nil, "blocks", &blks)
		for _, bl := range blks {
			if bl.Name == block {
				return bl.Costs
			}
		}
		t.Fatalf("no block %s", block)
		return nil
	}
	require.Empty(t, costsOf())
	var id string
	for _, bl := range blks {
		if bl.Name == block {
			id = bl.ID
		}
	}
	set := `mutation($b: ID!, $c: [BlockCostInput!]!) { setBlockCosts(blockId: $b, costs: $c) { name costs { costType costAmount } } }`
	t.Cleanup(func() { b.ok(adm, set, map[string]any{"b": id, "c": []any{}}, "setBlockCosts", nil) })

	// costType is an enum of the schema: an unknown kind is refused before
	// any resolver runs, as every unknown enum value is (see
	// TestPreferences' theme), with the path to the value.
	r := b.do(adm, set, map[string]any{"b": id, "c": []any{map[string]any{"costType": "RUN", "costAmount": 1},
		map[string]any{"costType": "PER_PIXEL", "costAmount": 1}}})
	require.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.code(), "%+v", r.Errors)
	require.Equal(t, []any{"variable", "c", float64(1), "costType"}, r.Errors[0].Path)
	require.Contains(t, r.Errors[0].Message, "PER_PIXEL is not a valid BlockCostType")
	b.refusedField(adm, set, map[string]any{"b": id, "c": []any{map[string]any{"costType": "RUN", "costAmount": -1}}},
		"BAD_USER_INPUT", "costs[0].costAmount")
	b.refusedField(tok, set, map[string]any{"b": id, "c": []any{map[string]any{"costType": "RUN", "costAmount": 1}}}, "FORBIDDEN", "")
	require.Empty(t, costsOf(), "nothing changed")

	b.ok(adm, set, map[string]any{"b": id, "c": []any{map[string]any{"costType": "RUN", "costAmount": 3}}}, "setBlockCosts", nil)
	c := costsOf()
	require.Len(t, c, 1)
	require.Equal(t, "RUN", c[0].CostType)
	require.Equal(t, 3, c[0].CostAmount)
}

// me.usage grouped by GRAPH, BLOCK and DAY sums to the run's totalCost and
// to the ledger's debits less refunds for it.
func TestUsageMatchesLedger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	g := paidGraph(b, tok)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: "hi"}) { id } }`, map[string]any{"g": g}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var got struct {
		GraphID string
		Stats   struct{ TotalCost int }
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { graphId stats { totalCost } } }`, map[string]any{"id": ex.ID}, "execution", &got)
	var ledgerNet int64
	require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(), `SELECT coalesce(-sum(amount), 0) FROM credit_transactions
		WHERE user_id = $1 AND transaction_type IN ('EXECUTION_COST', 'REFUND')`, u.ID).Scan(&ledgerNet))
	require.Equal(t, int64(got.Stats.TotalCost), ledgerNet, "totalCost = the ledger's debits less refunds")
	require.GreaterOrEqual(t, got.Stats.TotalCost, 3, "two sub-agent runs and a started second")

	from, to := time.Now().Add(-time.Hour).UTC(), time.Now().Add(time.Hour).UTC()
	for _, by := range []string{"GRAPH", "BLOCK", "DAY"} {
		var me struct {
			Usage []struct {
				Key                           string
				Credits, Runs, NodeExecutions int
			}
		}
		b.ok(tok, `query($f: Time!, $t: Time!, $by: UsageGroupBy!) { me { usage(from: $f, to: $t, groupBy: $by) { key credits runs nodeExecutions } } }`,
			map[string]any{"f": from, "t": to, "by": by}, "me", &me)
		total, nodes := 0, 0
		for _, l := range me.Usage {
			total += l.Credits
			nodes += l.NodeExecutions
			require.Equal(t, 1, l.Runs, "%s %s: one run", by, l.Key)
		}
		require.Equal(t, got.Stats.TotalCost, total, "usage by %s: %+v", by, me.Usage)
		require.Equal(t, 3, nodes, "usage by %s: three paid node executions: %+v", by, me.Usage)
		switch by {
		case "GRAPH":
			require.Len(t, me.Usage, 1)
			require.Equal(t, got.GraphID, me.Usage[0].Key)
		case "BLOCK":
			require.Len(t, me.Usage, 2, "AgentExecutorBlock and WaitBlock: %+v", me.Usage)
		case "DAY":
			require.Equal(t, time.Now().UTC().Format("2006-01-02")[:8], me.Usage[0].Key[:8])
		}
	}
}

// estimateGraphCost's max is a bound, or null: a WaitBlock whose seconds
// arrive on a link is priced by a value no estimate knows (pricedByLinks,
// max null), and the run indeed costs more than its defaults priced; the
// same block fed only data on a link keeps its price, and the max.
func TestEstimateHasNoMaxWhenALinkSetsThePrice(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	waitGraph := func(name, pin string) string {
		var g struct{ GraphID string }
		b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`, map[string]any{"in": map[string]any{"name": name, "nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "wait", "blockId": "WaitBlock", "inputDefault": map[string]any{"seconds": 0.01}},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "y"}}},
			"links": []map[string]any{
				{"sourceKey": "in", "sourceName": "result", "sinkKey": "wait", "sinkName": pin},
				{"sourceKey": "wait", "sourceName": "data", "sinkKey": "out", "sinkName": "value"}}}}, "createGraph", &g)
		return g.GraphID
	}
	const q = `query($g: ID!, $x: JSON) { estimateGraphCost(graphId: $g, inputs: {x: $x}) { min max byNode { nodeKey amount min pricedByLinks } } }`
	type est struct {
		Min    int
		Max    *int
		ByNode []struct {
			NodeKey       string
			Amount, Min   int
			PricedByLinks bool
		}
	}

	var data est
	b.ok(tok, q, map[string]any{"g": waitGraph("wait-data", "data"), "x": 2.5}, "estimateGraphCost", &data)
	require.NotNil(t, data.Max, "data on a link does not change a WaitBlock's price")
	require.Len(t, data.ByNode, 1)
	require.False(t, data.ByNode[0].PricedByLinks)

	g := waitGraph("wait-seconds", "seconds")
	var linked est
	b.ok(tok, q, map[string]any{"g": g, "x": 2.5}, "estimateGraphCost", &linked)
	require.Nil(t, linked.Max, "no bound: the seconds arrive on a link")
	require.Len(t, linked.ByNode, 1)
	require.True(t, linked.ByNode[0].PricedByLinks)
	require.Equal(t, *data.Max, linked.ByNode[0].Amount, "priced from the defaults, as before")

	bal0, _, _ := ledgerOf(t, u.ID)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 2.5}) { id } }`, map[string]any{"g": g}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	bal, _, _ := ledgerOf(t, u.ID)
	require.Greater(t, bal0-bal, int64(linked.ByNode[0].Amount), "the run cost more than the defaults priced: a max from them would not bound it")
}
