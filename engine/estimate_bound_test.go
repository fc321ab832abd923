package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/model"
)

// charged is what the ledger took from u for runs (charges, before any
// refund: a reservation is charged whole first).
func (e *env) charged(u *model.User) int64 {
	var n int64
	require.NoError(e.t, e.pool.QueryRow(context.Background(), `SELECT coalesce(-sum(amount), 0) FROM credit_transactions
		WHERE user_id = $1 AND transaction_type = 'EXECUTION_COST'`, u.ID).Scan(&n))
	return n
}

// A node's defaults may give a dynamic pin (prompt_values_#_text), which
// the run merges into its pin (prompt_values) before pricing. The estimate
// prices the same merged input: an AI block's prompt filled from such a
// default reserves, at estimate and at run alike, for the whole prompt.
// Was: priced unmerged, the prompt's {{text}} unfilled, max 3 for a run
// that reserved 102.
func TestEstimateMergesDynamicPinsAsTheRunDoes(t *testing.T) {
	t.Parallel()
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"x"}, Input: 1, Output: 1}
	})
	defer stub.Close()
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	u := e.user(1_000_000)
	fg := e.graph(u, []nspec{{Key: "ai", Block: "AITextGeneratorBlock", Defaults: map[string]any{"model": "gpt-4o", "max_tokens": 10,
		"prompt": "Summarize {{text}}", "prompt_values_#_text": strings.Repeat("lorem ipsum dolor sit amet ", 5000)}}}, nil)
	est, err := e.eng.Estimate(context.Background(), u.ID, fg.ID, 0, nil)
	require.NoError(t, err)
	require.NotNil(t, est.Max, "nothing linked: a bound")
	got := e.watch(fg.ID).until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	require.LessOrEqual(t, e.charged(u), *est.Max, "the run was charged no more than the estimate's max")
	require.Equal(t, est.ByNode[0].Amount, e.charged(u), "the reservation is the one estimated")
}

// pricedInput prices AgentInputBlock at 7 credits a run when its value is
// "big", as an operator's rule filtered on a pin would.
type pricedInput struct{}

func (pricedInput) For(blockID string, code []blocks.Cost) []blocks.Cost {
	if blockID == blocks.AgentInputBlock().Info().ID {
		return []blocks.Cost{{Type: blocks.CostRun, Amount: 7, Currency: blocks.DefaultCurrency, Filter: map[string]any{"value": "big"}}}
	}
	return code
}

// An input the estimate is not given (left out, or null) is not known
// before the run: the run may give any value, or keep the node's own when
// given null. A rule filtered on the input node's value then counts in the
// node's amount (and max), not in its min, as for a linked pin; an input
// given is priced with its value.
func TestEstimateOfAnInputNotGiven(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Costs: pricedInput{}})
	u := e.user(1000)
	fg := e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x", "value": "big"}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "out", SinkName: "value"}})
	ctx := context.Background()
	for _, inputs := range []map[string]any{nil, {"x": nil}} {
		est, err := e.eng.Estimate(ctx, u.ID, fg.ID, 0, inputs)
		require.NoError(t, err)
		require.NotNil(t, est.Max, "%v", inputs)
		require.Equal(t, int64(7), *est.Max, "%v: the run may bring (or keep) \"big\"", inputs)
		require.Zero(t, est.Min, "%v: or not", inputs)
	}
	for value, want := range map[string]int64{"big": 7, "small": 0} {
		est, err := e.eng.Estimate(ctx, u.ID, fg.ID, 0, map[string]any{"x": value})
		require.NoError(t, err)
		require.Equal(t, want, *est.Max, value)
		require.Equal(t, want, est.Min, value)
	}

	// null keeps the node's own value: the run is charged for "big".
	got := e.watch(fg.ID).until(e.submit(u, fg, map[string]any{"x": nil}).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	require.Equal(t, int64(7), e.charged(u))
}

// An AgentExecutorBlock's child run is charged to the same user, node by
// node, as part of the run that started it: the estimate's max counts the
// most the child can be charged (its graph's own max, with the node's
// inputs), and is null when that has no bound before the run: a graph_id
// arriving on a link, a graph that runs itself. Was: max 1 (the node's own
// price) for a run whose child reserved 10 more.
func TestEstimateCountsChildRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Costs: pricedWait(5)})
	u := e.user(1000)
	child := waitingChild(e, u)
	fg := e.graph(u, []nspec{{Key: "a", Block: "AgentExecutorBlock", Defaults: map[string]any{"graph_id": child.ID.String()}}}, nil)
	ctx := context.Background()
	est, err := e.eng.Estimate(ctx, u.ID, fg.ID, 0, nil)
	require.NoError(t, err)
	require.NotNil(t, est.Max)
	require.Equal(t, int64(1+10), *est.Max, "the node's own credit, and its child's 2 seconds at 5")
	require.Equal(t, int64(1), est.Min, "min stays the node's own fixed price: a lower bound still")
	got := e.watch(fg.ID).until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	require.LessOrEqual(t, e.charged(u), *est.Max, "the run and its child were charged no more than the max")

	linked := e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "g"}},
		{Key: "a", Block: "AgentExecutorBlock"},
	}, []lspec{{Source: "in", SourceName: "result", Sink: "a", SinkName: "graph_id"}})
	est, err = e.eng.Estimate(ctx, u.ID, linked.ID, 0, map[string]any{"g": child.ID.String()})
	require.NoError(t, err)
	require.Nil(t, est.Max, "which graph runs is known only at run time")
	require.Len(t, est.ByNode, 1)
	require.True(t, est.ByNode[0].PricedByLinks, "%+v", est.ByNode)
}

// A node an AI block calls as a tool runs once per call the model makes:
// none, or several (three calls in one answer here). The estimate counts it
// as may-repeat (no max) and may-skip (not in min). Was: counted once in
// both, max 8 for a run charged 18.
func TestEstimateOfAToolNode(t *testing.T) {
	t.Parallel()
	e, _ := decisionEnv(t, func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{ToolCalls: []llmstub.ToolCall{
			{ID: "c1", Name: "testcostblock", Arguments: `{"input":1}`},
			{ID: "c2", Name: "testcostblock", Arguments: `{"input":2}`},
			{ID: "c3", Name: "testcostblock", Arguments: `{"input":3}`}}, Input: 10, Output: 10}
	})
	u := e.user(1000)
	fg := e.graph(u, []nspec{
		{Key: "sdm", Block: "SmartDecisionMakerBlock", Defaults: map[string]any{"model": "gpt-4o-mini", "max_tokens": 100, "prompt": "go"}},
		{Key: "cost", Block: "TestCostBlock"},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "o"}},
	}, []lspec{
		{Source: "sdm", SourceName: "tools", Sink: "cost", SinkName: "input"},
		{Source: "cost", SourceName: "output", Sink: "out", SinkName: "value"},
	})
	est, err := e.eng.Estimate(context.Background(), u.ID, fg.ID, 0, nil)
	require.NoError(t, err)
	require.Nil(t, est.Max, "the tool may run any number of times")
	require.Zero(t, est.Min, "or not at all (the model's call is usage-priced)")
	for _, n := range est.ByNode {
		require.Equal(t, n.NodeKey == "cost", n.MayRepeat, n.NodeKey)
	}
	got := e.watch(fg.ID).until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	require.Greater(t, e.charged(u), int64(8), "three tool runs and the model's reservation")
}

// bytePricedStore prices StoreValueBlock (free in code) by the bytes of
// its input, as an operator's price rule would.
type bytePricedStore struct{}

func (bytePricedStore) For(blockID string, code []blocks.Cost) []blocks.Cost {
	if blockID == blocks.StoreValueBlock().Info().ID {
		return []blocks.Cost{{Type: blocks.CostByte, Amount: 1, Currency: blocks.DefaultCurrency}}
	}
	return code
}

// A node's costType names the kind of the price in force, the operator's:
// was RUN, from the block's own (empty) costs, for a node priced by bytes.
func TestEstimateNamesTheOperatorsCostKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Costs: bytePricedStore{}})
	u := e.user(1000)
	fg := e.graph(u, []nspec{{Key: "s", Block: "StoreValueBlock", Defaults: map[string]any{"input": "twelve bytes"}}}, nil)
	est, err := e.eng.Estimate(context.Background(), u.ID, fg.ID, 0, nil)
	require.NoError(t, err)
	require.Len(t, est.ByNode, 1)
	require.Positive(t, est.ByNode[0].Amount)
	require.Equal(t, string(blocks.CostByte), est.ByNode[0].CostType)
}
