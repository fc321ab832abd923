package autogpt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// What is not an export is refused naming the document and what is wrong;
// the API's tests cover the same through GraphQL (resolvers/autogpt_test.go).
func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	store := `{"id": "s", "block_id": "1ff065e9-88e8-4358-9d82-8dc91f622ba9"}`
	for _, tc := range []struct{ doc, says string }{
		{`[]`, "must be a JSON object"},
		{`"agent"`, "must be a JSON object"},
		{`{"name": "x"}`, `no "nodes" list`},
		{`{"nodes": {}}`, `"nodes" must be a JSON array, not object`},
		{`{"nodes": [{"id": "a", "block_id": "b", "input_default": []}]}`, `"nodes.input_default" must be a JSON object, not array`},
		{`{"nodes": []} {}`, "it is not valid JSON"},
		{`{"nodes": [{"block_id": "b"}]}`, `nodes[0] has no "id"`},
		{`{"nodes": [` + store + `, ` + store + `]}`, "node id s is used by more than one node"},
		{`{"nodes": [` + store + `], "links": [{"id": "l", "source_id": "s", "sink_id": "t", "source_name": "output", "sink_name": "input"}]}`,
			`link l goes from node "s" to node "t", but the graph has no node "t"`},
		{`{"nodes": [` + store + `], "links": [{"source_id": "s", "sink_id": "s", "source_name": "output"}]}`, `links[0] has no "source_name" or "sink_name"`},
		{`{"nodes": [], "sub_graphs": [{"nodes": []}]}`, `sub_graphs[0] has no "id"`},
		{`{"nodes": [], "sub_graphs": [{"id": "c", "nodes": [{"id": "x"}]}]}`, `sub-graph c: node x has no "block_id"`},
		{`{"nodes": [], "description": "` + strings.Repeat("x", 10<<20) + `"}`, "an export may be at most 4194304 bytes"},
	} {
		_, err := Decode([]byte(tc.doc))
		var ie *model.InputError
		require.ErrorAs(t, err, &ie, "%.80s", tc.doc)
		require.Equal(t, "document", ie.Field)
		require.Contains(t, ie.Message, tc.says, "%.80s", tc.doc)
	}
}

// An export without graph-level links is read from its nodes' link lists.
func TestDecodeNodeLinks(t *testing.T) {
	t.Parallel()
	l := `{"id": "l", "source_id": "a", "sink_id": "b", "source_name": "output", "sink_name": "input", "is_static": true}`
	g, err := Decode([]byte(`{"nodes": [
		{"id": "a", "block_id": "x", "output_links": [` + l + `]},
		{"id": "b", "block_id": "x", "input_links": [` + l + `]}]}`))
	require.NoError(t, err)
	require.Equal(t, []Link{{ID: "l", SourceID: "a", SinkID: "b", SourceName: "output", SinkName: "input", IsStatic: true}}, g.Links)
}

// NewPlan without a store: numbers stay exact; a node whose block does not
// exist here is kept on UnavailableBlock, its block and defaults in its
// metadata, and reported by AutoGPT's name of the block.
func TestPlan(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	g, err := Decode([]byte(`{"id": "g", "name": "", "nodes": [
		{"id": "a", "block_id": "1ff065e9-88e8-4358-9d82-8dc91f622ba9", "input_default": {"input": 12345678901234567890},
		 "metadata": {"position": {"x": 1.5, "y": -2}, "customized_name": "Keep", "color": "red"}}]}`))
	require.NoError(t, err)
	p, err := NewPlan(g, reg, nil)
	require.NoError(t, err)
	require.Len(t, p.Bundle, 1)
	spec := p.Bundle[0].Spec
	require.Equal(t, defaultName, spec.Name)
	require.Equal(t, []Entry{{Kind: NameChanged, Graph: "g", Message: `the agent has no name: it is named "Imported agent"`}}, p.Report)
	n := spec.Nodes[0]
	require.Equal(t, json.Number("12345678901234567890"), n.InputDefault["input"])
	require.Equal(t, "Keep", n.Label)
	require.Equal(t, 1.5, n.X)
	require.Equal(t, -2.0, n.Y)
	require.Equal(t, map[string]any{"customized_name": "Keep", "color": "red"}, n.Metadata)

	g, err = Decode([]byte(`{"id": "g", "name": "x", "nodes": [
		{"id": "a", "block_id": "ed1ae7a0-b770-4089-b520-1f0005fad19a"},
		{"id": "b", "block_id": "00000000-0000-4000-8000-000000000000"},
		{"id": "c", "block_id": "1ff065e9-88e8-4358-9d82-8dc91f622ba9", "input_default": {"nope": 1}}]}`))
	require.NoError(t, err)
	p, err = NewPlan(g, reg, nil)
	require.NoError(t, err)
	nodes := p.Bundle[0].Spec.Nodes
	require.Len(t, nodes, 3)
	for _, n := range nodes[:2] {
		require.Equal(t, blocks.UnavailableBlockID, n.BlockID, n.Key)
		require.Empty(t, n.InputDefault, n.Key)
	}
	require.Equal(t, map[string]any{"block_id": "ed1ae7a0-b770-4089-b520-1f0005fad19a", "name": "AIImageGeneratorBlock",
		"input_default": map[string]any{}}, nodes[0].Metadata[blocks.UnavailableMetaKey])
	require.Equal(t, map[string]any{"block_id": "00000000-0000-4000-8000-000000000000", "input_default": map[string]any{}},
		nodes[1].Metadata[blocks.UnavailableMetaKey], "a block AutoGPT's table does not name has no name")
	require.Len(t, p.Report, 3)
	require.Equal(t, Entry{Kind: UnknownBlock, Graph: "g", Node: "a", Block: "AIImageGeneratorBlock", Problem: model.ProblemUnknownBlock,
		Message: p.Report[0].Message}, p.Report[0])
	require.Contains(t, p.Report[0].Message, "AutoGPT's AIImageGeneratorBlock (block ed1ae7a0-b770-4089-b520-1f0005fad19a)")
	require.Equal(t, UnknownBlock, p.Report[1].Kind)
	require.Equal(t, "", p.Report[1].Block)
	require.Contains(t, p.Report[1].Message, "block 00000000-0000-4000-8000-000000000000")
	require.Equal(t, KeptAsMetadata, p.Report[2].Kind, "the other nodes are converted as usual")

	// A node already on UnavailableBlock (a document written by hand) is
	// reported too.
	g, err = Decode([]byte(`{"id": "g", "name": "x", "nodes": [{"id": "a", "block_id": "` + blocks.UnavailableBlockID + `",
		"metadata": {"autogpt_block": {"block_id": "12bf5a24-9b90-4f40-9090-4e86e6995e60", "name": "GmailReplyBlock"}}}]}`))
	require.NoError(t, err)
	p, err = NewPlan(g, reg, nil)
	require.NoError(t, err)
	require.Len(t, p.Report, 1)
	require.Equal(t, UnknownBlock, p.Report[0].Kind)
	require.Equal(t, "GmailReplyBlock", p.Report[0].Block)
}

// AutoGPT's example agents list their sub-graphs under other ids than
// their AgentExecutorBlock nodes name: the only sub-graph of the version
// with the node's input and output names is taken, and reported; with two
// candidates, or none, the document is refused.
func TestSubGraphBySchemas(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	sub := func(id, input string) string {
		return `{"id": "` + id + `", "version": 4, "name": "child ` + id + `", "nodes": [
			{"id": "in", "block_id": "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b", "input_default": {"name": "` + input + `"}},
			{"id": "out", "block_id": "363ae599-353e-4804-937e-b2ee3cef3da4", "input_default": {"name": "y"}}],
			"links": [{"id": "l", "source_id": "in", "sink_id": "out", "source_name": "result", "sink_name": "value"}],
			"input_schema": {"type": "object", "properties": {"` + input + `": {}}},
			"output_schema": {"type": "object", "properties": {"y": {}}}}`
	}
	doc := func(subs ...string) []byte {
		return []byte(`{"id": "main", "name": "m", "nodes": [{"id": "run", "block_id": "` + agentExecutorID + `", "input_default": {
			"graph_id": "stale-id", "graph_version": 4, "inputs": {},
			"input_schema": {"properties": {"x": {}}}, "output_schema": {"properties": {"y": {}}}}}],
			"links": [], "sub_graphs": [` + strings.Join(subs, ",") + `]}`)
	}
	g, err := Decode(doc(sub("a", "x"), sub("b", "other")))
	require.NoError(t, err)
	p, err := NewPlan(g, reg, nil)
	require.NoError(t, err)
	require.Len(t, p.Bundle, 2)
	require.Equal(t, "child a", p.Bundle[0].Spec.Name)
	require.Equal(t, map[string]int{"run": 0}, p.Bundle[1].Runs)
	require.Equal(t, SubGraphMatched, p.Report[0].Kind)
	require.Contains(t, p.Report[0].Message, "sub-graph a")
	require.Equal(t, KeyDropped, p.Report[1].Kind, "b is run by no node")

	for _, subs := range [][]string{{sub("a", "x"), sub("c", "x")}, {sub("b", "other")}} {
		g, err = Decode(doc(subs...))
		require.NoError(t, err)
		_, err = NewPlan(g, reg, nil)
		var ie *model.InputError
		require.ErrorAs(t, err, &ie)
		require.Contains(t, ie.Message, "node run runs agent stale-id version 4, which the export's sub_graphs do not hold")
	}
}
