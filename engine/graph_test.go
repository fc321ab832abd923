package engine

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TestMayRunSpeculatively pins the speculation rule: only blocks whose
// whole effect is their outputs may run before their inputs are committed.
func TestMayRunSpeculatively(t *testing.T) {
	t.Parallel()
	pure := blocks.Info{Type: blocks.TypeStandard, Categories: []blocks.Category{blocks.CategoryData}}
	with := func(f func(*blocks.Info)) *blocks.Info { i := pure; f(&i); return &i }
	cases := []struct {
		name string
		info *blocks.Info
		want bool
	}{
		{"side-effect free", &pure, true},
		{"input block", with(func(i *blocks.Info) { i.Type = blocks.TypeInput }), true},
		// Its charge commits with or after its input (run.charge).
		{"with a cost", with(func(i *blocks.Info) { i.Costs = []blocks.Cost{{Type: blocks.CostSecond, Amount: 1}} }), true},
		{"with credentials", with(func(i *blocks.Info) { i.CredentialProviders = []string{"github"} }), false},
		{"integration", with(func(i *blocks.Info) { i.Categories = append(i.Categories, blocks.CategoryIntegration) }), false},
		{"AI", with(func(i *blocks.Info) { i.Type = blocks.TypeAI }), false},
		// A trigger's payload is its run's stored input; it only passes it on.
		{"webhook trigger", with(func(i *blocks.Info) { i.Type = blocks.TypeWebhook }), true},
		{"webhook trigger with credentials", with(func(i *blocks.Info) {
			i.Type, i.CredentialProviders = blocks.TypeWebhook, []string{"github"}
		}), false},
		{"agent", with(func(i *blocks.Info) { i.Type = blocks.TypeAgent }), false},
		{"writes stored data", with(func(i *blocks.Info) { i.SideEffects = true }), false},
	}
	for _, c := range cases {
		require.Equal(t, c.want, mayRunSpeculatively(c.info, false), c.name)
		require.False(t, mayRunSpeculatively(c.info, true), c.name+" (strict)")
	}
}

// A stored graph with a cycle (importGraph stores AutoGPT agents that loop)
// is refused at submit with its CYCLE problem, and no run is stored.
func TestCycleRefusedAtSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(100)
	fg := e.graph(u, []nspec{
		{Key: "start", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
		{Key: "a", Block: "StoreValueBlock"},
		{Key: "b", Block: "StoreValueBlock"},
	}, []lspec{
		{Source: "start", SourceName: "output", Sink: "a", SinkName: "input"},
		{Source: "a", SourceName: "output", Sink: "b", SinkName: "input"},
		{Source: "b", SourceName: "output", Sink: "a", SinkName: "data"},
	})
	_, err := e.eng.Submit(context.Background(), u.ID, fg.ID, 0, nil, model.UserContext{})
	var ve *model.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 1)
	require.Equal(t, model.ProblemCycle, ve.Problems[0].Code)
	require.Equal(t, []string{"a", "b"}, ve.Problems[0].NodeKeys)
	var runs int
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT count(*) FROM graph_executions WHERE graph_id = $1", fg.ID).Scan(&runs))
	require.Zero(t, runs)
}

// A stored graph with a node that stands for a block missing here
// (importGraph keeps such a node on UnavailableBlock) is refused at submit
// with an UNKNOWN_BLOCK problem naming AutoGPT's block, its loop's CYCLE
// problem with it, and no run is stored.
func TestUnavailableBlockRefusedAtSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(100)
	spec := e.modelSpec([]nspec{
		{Key: "start", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
		{Key: "mail", Block: "UnavailableBlock"},
		{Key: "a", Block: "StoreValueBlock"},
	}, []lspec{
		{Source: "start", SourceName: "output", Sink: "mail", SinkName: "body"},
		{Source: "mail", SourceName: "result", Sink: "a", SinkName: "input"},
		{Source: "a", SourceName: "output", Sink: "a", SinkName: "data"},
	})
	spec.Nodes[1].Metadata = map[string]any{blocks.UnavailableMetaKey: map[string]any{
		"block_id": "6c27abc2-e51d-499e-a85f-5a0041ba94f0", "name": "GmailSendBlock", "input_default": map[string]any{}}}
	fg, err := e.store.GraphSaveSpec(context.Background(), u.ID, spec, db.GraphSave{Activate: true})
	require.NoError(t, err)
	_, err = e.eng.Submit(context.Background(), u.ID, fg.ID, 0, nil, model.UserContext{})
	var ve *model.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 2)
	require.Equal(t, model.ProblemUnknownBlock, ve.Problems[0].Code)
	require.Equal(t, []string{"mail"}, ve.Problems[0].NodeKeys)
	require.Contains(t, ve.Problems[0].Message, "AutoGPT's GmailSendBlock")
	require.Equal(t, model.ProblemCycle, ve.Problems[1].Code)
	var runs int
	require.NoError(t, e.pool.QueryRow(context.Background(), "SELECT count(*) FROM graph_executions WHERE graph_id = $1", fg.ID).Scan(&runs))
	require.Zero(t, runs)
}
