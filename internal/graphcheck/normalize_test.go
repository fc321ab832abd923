package graphcheck

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// AutoGPT's ways of writing a graph validate, and are stored in our form.
func TestAutoGPTSemantics(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	spec := model.GraphSpec{Nodes: []model.NodeSpec{
		// null is AutoGPT's "unset": data falls back to its own default.
		{Key: "v", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1, "data": nil}},
		// AutoGPT's format_type is our format.
		{Key: "d", BlockID: "GetCurrentDateBlock", InputDefault: map[string]any{"trigger": "x",
			"format_type": map[string]any{"discriminator": "strftime", "format": "%d.%m."}}},
		// A link into an AgentExecutorBlock may name the child's input.
		{Key: "agent", BlockID: "AgentExecutorBlock", InputDefault: map[string]any{"graph_id": "5b0c4e0e-8d7e-4b7e-9a36-0c1f6c7d2a11"}},
		{Key: "t", BlockID: "GetCurrentTimeBlock"},
	}, Links: []model.LinkSpec{
		{SourceKey: "v", SourceName: "output", SinkKey: "agent", SinkName: "topic"},
		{SourceKey: "v", SourceName: "output", SinkKey: "agent", SinkName: "inputs_#_tone"},
		{SourceKey: "d", SourceName: "date", SinkKey: "t", SinkName: "format_type"},
	}}
	require.Empty(t, Validate(&spec, reg))
	require.Equal(t, map[string]any{"input": 1}, spec.Nodes[0].InputDefault)
	require.Equal(t, map[string]any{"trigger": "x", "format": "%d.%m."}, spec.Nodes[1].InputDefault)
	require.Equal(t, "inputs_#_topic", spec.Links[0].SinkName)
	require.Equal(t, "inputs_#_tone", spec.Links[1].SinkName, "our own form is kept")
	require.Equal(t, "format", spec.Links[2].SinkName)

	// Normalize says what it changed, and changes nothing the second time.
	again := model.GraphSpec{Nodes: []model.NodeSpec{
		{Key: "v", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1, "data": nil}},
		{Key: "agent", BlockID: "AgentExecutorBlock"},
	}, Links: []model.LinkSpec{{SourceKey: "v", SourceName: "output", SinkKey: "agent", SinkName: "topic"}}}
	require.Equal(t, []Rewrite{
		{Kind: NullDropped, NodeKey: "v", LinkIndex: -1, From: "data"},
		{Kind: ChildInput, NodeKey: "agent", LinkIndex: 0, From: "topic", To: "inputs_#_topic"},
	}, Normalize(&again, reg))
	require.Empty(t, Normalize(&again, reg))
}

// Defaults for pins the block does not have are refused (they would do
// nothing), each named; AutoGPT's names that cannot be read as ours too.
func TestUnknownDefaultKeys(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	spec := model.GraphSpec{Nodes: []model.NodeSpec{
		{Key: "v", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1, "secret": false, "values_#_x": 2}},
		{Key: "d", BlockID: "GetCurrentDateBlock", InputDefault: map[string]any{"format_type": map[string]any{"discriminator": "unix"}}},
		// Ours wins when both names are given; theirs is then unknown.
		{Key: "t", BlockID: "GetCurrentTimeBlock", InputDefault: map[string]any{"format": "%H", "format_type": map[string]any{"discriminator": "iso8601"}}},
	}}
	got := Validate(&spec, reg)
	require.Len(t, got, 4, "%+v", got)
	for i, want := range []struct{ node, pin string }{{"v", "secret"}, {"v", "values_#_x"}, {"d", "format_type"}, {"t", "format_type"}} {
		require.Equal(t, model.ProblemUnknownPin, got[i].Code)
		require.Equal(t, []string{want.node}, got[i].NodeKeys)
		require.Equal(t, want.pin, got[i].Pin)
		require.Nil(t, got[i].LinkIndex)
		require.Contains(t, got[i].Message, "is no input pin of its block")
	}
	require.Equal(t, "%H", spec.Nodes[2].InputDefault["format"])
}

func TestCycles(t *testing.T) {
	t.Parallel()
	key := func(i int) string { return string(rune('a' + i)) }
	require.Empty(t, Cycles(3, key, [][2]int{{0, 1}, {1, 2}}))
	got := Cycles(4, key, [][2]int{{0, 1}, {1, 2}, {2, 1}, {3, 3}})
	require.Len(t, got, 2)
	keys := [][]string{got[0].NodeKeys, got[1].NodeKeys}
	require.ElementsMatch(t, [][]string{{"b", "c"}, {"d"}}, keys)
	for _, p := range got {
		require.Equal(t, model.ProblemCycle, p.Code)
	}
}
