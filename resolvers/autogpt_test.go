package resolvers_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// The AutoGPT compatibility suite: agents in AutoGPT's export format, built
// by autogpt_corpus_test.go, imported through the API, checked, run and
// exported back.

const importQ = `mutation($doc: JSON!, $name: String) { importGraph(format: AUTOGPT, document: $doc, name: $name) {
  graph { id graphId name description }
  subGraphs { id graphId name }
  report { kind graphRef nodeRef linkRef blockName pin problem message } } }`

type reportEntry struct {
	Kind, GraphRef, Message string
	NodeRef, LinkRef        *string
	BlockName, Pin, Problem *string
}

type imported struct {
	Graph struct {
		ID, GraphID, Name string
		Description       *string
	}
	SubGraphs []struct{ ID, GraphID, Name string }
	Report    []reportEntry
}

func importDoc(b *bundle, tok string, doc any, name *string) imported {
	b.t.Helper()
	var res imported
	b.ok(tok, importQ, map[string]any{"doc": doc, "name": name}, "importGraph", &res)
	return res
}

// find is the report's entry of kind about pin (any pin when ""), or nil.
func (r imported) find(kind, pin string) *reportEntry {
	for i, e := range r.Report {
		if e.Kind == kind && (pin == "" || (e.Pin != nil && *e.Pin == pin)) {
			return &r.Report[i]
		}
	}
	return nil
}

// runnable: nothing in the report stops the graph from running.
func (r imported) requireRunnable(t *testing.T) {
	t.Helper()
	for _, e := range r.Report {
		require.NotContains(t, []string{"CYCLE", "GRAPH_PROBLEM"}, e.Kind, "%+v", e)
	}
}

// runGraph runs the active version with inputs and returns its outputs once COMPLETED.
func runGraph(t *testing.T, b *bundle, tok, graphID string, inputs map[string]any) string {
	t.Helper()
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`,
		map[string]any{"g": graphID, "in": inputs}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var done struct{ Outputs json.RawMessage }
	b.ok(tok, `query($id: ID!) { execution(id: $id) { outputs } }`, map[string]any{"id": ex.ID}, "execution", &done)
	return string(done.Outputs)
}

// AutoGPT's calculator agent, imported unchanged, runs: {"Input": 8} → {"Output": [42]}.
func TestImportCalculatorAgent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	res := importDoc(b, tok, calculatorAgent().doc(), nil)
	res.requireRunnable(t)
	require.Equal(t, "Calculator agent", res.Graph.Name)
	require.Empty(t, res.SubGraphs)
	require.JSONEq(t, `{"Output": [42]}`, runGraph(t, b, tok, res.Graph.GraphID, map[string]any{"Input": 8}))
}

// Null defaults, AutoGPT's input pins, AutoGPT's name of a pin, an
// AgentExecutorBlock fed by its sub-agent's input name and a 600-character
// description: the agent imports with a report of each, and runs.
func TestImportAutoGPTSemantics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	doc := writerAgent()
	res := importDoc(b, tok, doc.doc(), nil)
	res.requireRunnable(t)

	require.Equal(t, "Topic writer", res.Graph.Name)
	require.Equal(t, 500, utf8.RuneCountInString(*res.Graph.Description))
	require.NotNil(t, res.find("DESCRIPTION_SHORTENED", ""))
	renamed := res.find("PIN_RENAMED", "format_type")
	require.NotNil(t, renamed, "%+v", res.Report)
	require.Equal(t, "GetCurrentDateBlock", *renamed.BlockName)
	fed := res.find("PIN_RENAMED", "topic")
	require.NotNil(t, fed, "%+v", res.Report)
	require.NotNil(t, fed.LinkRef)
	require.Contains(t, fed.Message, "inputs_#_topic")
	dropped := res.find("KEY_DROPPED", "user_id")
	require.NotNil(t, dropped)
	require.Equal(t, "AgentExecutorBlock", *dropped.BlockName)
	kept := res.find("KEPT_AS_METADATA", "input_schema")
	require.NotNil(t, kept)
	for _, e := range res.Report {
		require.NotContains(t, []string{"value", "title", "format", "agent_name"}, ptr(e.Pin), "a null default is unset, not reported: %+v", e)
	}

	// The sub-agent is a graph of its own, which the AgentExecutorBlock runs.
	require.Len(t, res.SubGraphs, 1)
	require.Equal(t, "Sentence maker", res.SubGraphs[0].Name)
	g := graphView(t, b, tok, res.Graph.ID)
	agentNode := g.node("AgentExecutorBlock")
	require.Equal(t, res.SubGraphs[0].GraphID, agentNode.InputDefault["graph_id"])
	require.EqualValues(t, 1, agentNode.InputDefault["graph_version"])
	require.NotContains(t, agentNode.InputDefault, "user_id")
	require.Contains(t, agentNode.Metadata[autogptKept], "input_schema")
	require.True(t, g.hasLink("inputs_#_topic"))
	require.Equal(t, map[string]any{}, g.node("StoreValueBlock").InputDefault, "null is not stored")
	require.Equal(t, "%Y", g.node("GetCurrentDateBlock").InputDefault["format"])

	var out map[string][]any
	require.NoError(t, json.Unmarshal([]byte(runGraph(t, b, tok, res.Graph.GraphID, map[string]any{"subject": "rain"})), &out))
	require.Equal(t, []any{"A sentence about rain."}, out["sentence"])
	require.Len(t, out["year"], 1)
	require.Regexp(t, `^\d{4}$`, out["year"][0])
}

// An agent that loops imports with its cycle reported and how to write it
// here, and executeGraph refuses it with CYCLE.
func TestImportLoopingAgent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	res := importDoc(b, tok, collectorAgent().doc(), nil)
	cyc := res.find("CYCLE", "")
	require.NotNil(t, cyc, "%+v", res.Report)
	require.Equal(t, "CYCLE", *cyc.Problem)
	require.Contains(t, cyc.Message, "StepThroughItemsBlock")
	require.Contains(t, cyc.Message, "executeGraph refuses")

	r := b.do(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {items: [1, 2]}) { id } }`, map[string]any{"g": res.Graph.GraphID})
	require.Equal(t, "VALIDATION_FAILED", r.code(), "%+v", r.Errors)
	problems, _ := r.Errors[0].Extensions["problems"].([]any)
	require.NotEmpty(t, problems)
	require.Equal(t, "CYCLE", problems[0].(map[string]any)["code"])
}

// An agent using a block that does not exist here imports: the node is
// kept on UnavailableBlock with its links, the report and validateGraph
// name AutoGPT's block, executeGraph refuses the graph with UNKNOWN_BLOCK,
// and exportGraph writes the node back as it was. createGraph refuses the
// placeholder block.
func TestImportUnavailableBlock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	doc := mailerAgent()
	res := importDoc(b, tok, doc.doc(), nil)
	sendKey := doc.nodes[2]["id"].(string)
	e := res.find("UNKNOWN_BLOCK", "")
	require.NotNil(t, e, "%+v", res.Report)
	require.Equal(t, sendKey, ptr(e.NodeRef))
	require.Equal(t, "GmailReplyBlock", ptr(e.BlockName))
	require.Equal(t, "UNKNOWN_BLOCK", ptr(e.Problem))
	require.Contains(t, e.Message, "executeGraph refuses")
	n := 0
	for _, e := range res.Report {
		require.NotEqual(t, "GRAPH_PROBLEM", e.Kind, "nothing else is wrong, and the node is reported once: %+v", e)
		if e.Kind == "UNKNOWN_BLOCK" {
			n++
		}
	}
	require.Equal(t, 1, n)

	g := graphView(t, b, tok, res.Graph.ID)
	send := g.byKey(sendKey)
	require.Equal(t, blocks.UnavailableBlockID, send.BlockID)
	require.Empty(t, send.InputDefault)
	require.Equal(t, gmailReplyID, send.Metadata[blocks.UnavailableMetaKey].(map[string]any)["block_id"])
	require.True(t, g.hasLink("body"))
	require.True(t, g.hasLink("subject"))
	require.Len(t, g.Links, 4, "the links in and out are kept")

	// validateGraph of the stored graph names AutoGPT's block.
	var full struct{ Nodes []map[string]any }
	b.ok(tok, `query($id: ID!) { graph(id: $id) { nodes { key blockId inputDefault metadata } } }`,
		map[string]any{"id": res.Graph.ID}, "graph", &full)
	nodes := make([]any, len(full.Nodes))
	for i, n := range full.Nodes {
		nodes[i] = n
	}
	links := make([]any, len(g.Links))
	for i, l := range g.Links {
		links[i] = map[string]any{"sourceKey": l.Source.Key, "sinkKey": l.Sink.Key, "sourceName": l.SourceName, "sinkName": l.SinkName, "isStatic": l.IsStatic}
	}
	in := map[string]any{"name": "mailer copy", "nodes": nodes, "links": links}
	var problems []struct {
		Code, Message string
		NodeKeys      []string
	}
	b.ok(tok, `query($in: GraphInput!) { validateGraph(input: $in) { code message nodeKeys } }`, map[string]any{"in": in}, "validateGraph", &problems)
	require.Len(t, problems, 1, "%+v", problems)
	require.Equal(t, "UNKNOWN_BLOCK", problems[0].Code)
	require.Equal(t, []string{sendKey}, problems[0].NodeKeys)
	require.Contains(t, problems[0].Message, "GmailReplyBlock")
	// createGraph refuses it: only importGraph stores a graph that stands
	// for a missing block.
	r := b.do(tok, createGraph, map[string]any{"in": in})
	require.Equal(t, "VALIDATION_FAILED", r.code(), "%+v", r.Errors)

	r = b.do(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {subject: "rain"}) { id } }`, map[string]any{"g": res.Graph.GraphID})
	require.Equal(t, "VALIDATION_FAILED", r.code(), "%+v", r.Errors)
	ps, _ := r.Errors[0].Extensions["problems"].([]any)
	require.Len(t, ps, 1)
	require.Equal(t, "UNKNOWN_BLOCK", ps[0].(map[string]any)["code"])
	require.Contains(t, ps[0].(map[string]any)["message"], "GmailReplyBlock")

	// exportGraph gives the node back as the document had it.
	var raw json.RawMessage
	b.ok(tok, `query($id: ID!) { exportGraph(id: $id, format: AUTOGPT) }`, map[string]any{"id": res.Graph.GraphID}, "exportGraph", &raw)
	var exp struct {
		Nodes []struct {
			ID           string
			BlockID      string         `json:"block_id"`
			InputDefault map[string]any `json:"input_default"`
			Metadata     map[string]any
		}
		Links []struct {
			SourceID   string `json:"source_id"`
			SinkID     string `json:"sink_id"`
			SourceName string `json:"source_name"`
			SinkName   string `json:"sink_name"`
			IsStatic   bool   `json:"is_static"`
		}
	}
	require.NoError(t, json.Unmarshal(raw, &exp))
	found := false
	for _, n := range exp.Nodes {
		if n.ID != sendKey {
			continue
		}
		found = true
		require.Equal(t, gmailReplyID, n.BlockID)
		require.Equal(t, map[string]any{"to": []any{"ana@example.com"}, "cc": nil,
			"credentials": map[string]any{"provider": "google", "type": "oauth2", "id": "c1"}}, n.InputDefault)
		require.Equal(t, map[string]any{"position": doc.nodes[2]["metadata"].(map[string]any)["position"]}, n.Metadata)
	}
	require.True(t, found)
	type link struct {
		src, sink, srcPin, sinkPin string
		static                     bool
	}
	var got, want []link
	for _, l := range exp.Links {
		got = append(got, link{l.SourceID, l.SinkID, l.SourceName, l.SinkName, l.IsStatic})
	}
	for _, l := range doc.links {
		want = append(want, link{l["source_id"].(string), l["sink_id"].(string), l["source_name"].(string), l["sink_name"].(string), l["is_static"].(bool)})
	}
	require.ElementsMatch(t, want, got)
	// And imports again the same.
	again := importDoc(b, tok, raw, nil)
	require.NotNil(t, again.find("UNKNOWN_BLOCK", ""))
	require.Equal(t, g.normalized(), graphView(t, b, tok, again.Graph.ID).normalized())
}

// Importing one document twice gives two graphs; the second name gets a
// suffix, reported. A name given replaces the document's.
func TestImportTwice(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	doc := calculatorAgent().doc()
	first := importDoc(b, tok, doc, nil)
	second := importDoc(b, tok, doc, nil)
	require.NotEqual(t, first.Graph.GraphID, second.Graph.GraphID)
	require.Equal(t, "Calculator agent", first.Graph.Name)
	require.Equal(t, "Calculator agent (2)", second.Graph.Name)
	require.Nil(t, first.find("NAME_CHANGED", ""))
	require.NotNil(t, second.find("NAME_CHANGED", ""))
	name := "My calculator"
	require.Equal(t, name, importDoc(b, tok, doc, &name).Graph.Name)
	r := b.do(tok, importQ, map[string]any{"doc": doc, "name": strings.Repeat("n", 101)})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	require.Equal(t, "name", r.Errors[0].Extensions["field"])
}

// A document that is not an export, that refers to what it does not hold,
// or that is too big is refused, saying what is wrong, and nothing is
// stored. (Blocks that do not exist here are no reason to refuse one:
// TestImportUnavailableBlock.)
func TestImportBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	count := func() int {
		var c struct {
			Edges []struct{ Node struct{ ID string } }
		}
		b.ok(tok, `{ graphs(first: 100) { edges { node { id } } } }`, nil, "graphs", &c)
		return len(c.Edges)
	}
	noSub := writerAgent().doc()
	noSub["sub_graphs"] = []any{}
	badLink := calculatorAgent()
	badLink.link(badLink.nodes[0]["id"].(string), "result", uuid.NewString(), "a", false)
	loop := newAgent("Outer")
	inner := newAgent("Inner")
	loop.runs(inner, nil)
	inner.runs(loop, nil)
	huge := calculatorAgent()
	huge.description = strings.Repeat("x", 10<<20)

	for _, tc := range []struct {
		name, code, field, says string
		doc                     any
	}{
		{"not an object", "BAD_USER_INPUT", "document", "must be a JSON object", []any{1, 2}},
		{"no nodes", "BAD_USER_INPUT", "document", `no "nodes" list`, map[string]any{"name": "x", "links": []any{}}},
		{"nodes not a list", "BAD_USER_INPUT", "document", `"nodes" must be a JSON array`, map[string]any{"nodes": "all"}},
		{"node without block", "BAD_USER_INPUT", "document", `has no "block_id"`, map[string]any{"nodes": []any{map[string]any{"id": "a"}}}},
		{"missing sub-graph", "BAD_USER_INPUT", "document", "sub_graphs do not hold", noSub},
		{"link to a missing node", "BAD_USER_INPUT", "document", "the graph has no node", badLink.doc()},
		{"sub-agents in a loop", "BAD_USER_INPUT", "document", "run one another in a loop", loop.doc()},
		// The API's 4 MiB request limit answers first, over HTTP.
		{"10 MB", "BAD_REQUEST", "", "larger than", huge.doc()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := count()
			r := b.do(tok, importQ, map[string]any{"doc": tc.doc})
			require.Equal(t, tc.code, r.code(), "%+v", r.Errors)
			require.Contains(t, r.Errors[0].Message, tc.says)
			if tc.field != "" {
				require.Equal(t, tc.field, r.Errors[0].Extensions["field"])
			}
			if tc.code == "BAD_REQUEST" {
				require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
			}
			require.Equal(t, before, count(), "nothing stored")
		})
	}
}

// exportGraph writes AutoGPT's format back: importing the export gives the
// same nodes, links, defaults and positions, sub-agent included.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	first := importDoc(b, tok, writerAgent().doc(), nil)

	var raw json.RawMessage
	b.ok(tok, `query($id: ID!) { exportGraph(id: $id, format: AUTOGPT) }`, map[string]any{"id": first.Graph.GraphID}, "exportGraph", &raw)
	var exp struct {
		ID    string
		Nodes []struct {
			ID           string
			BlockID      string         `json:"block_id"`
			InputDefault map[string]any `json:"input_default"`
			Metadata     map[string]any
		}
		Links       []exportedLink
		SubGraphs   []json.RawMessage `json:"sub_graphs"`
		InputSchema map[string]any    `json:"input_schema"`
	}
	require.NoError(t, json.Unmarshal(raw, &exp))
	// AutoGPT's names, as AutoGPT writes them.
	view := graphView(t, b, tok, first.Graph.ID)
	for _, n := range exp.Nodes {
		require.NotNil(t, view.byKey(n.ID), "node ids are the keys")
		require.Contains(t, n.Metadata, "position")
		require.NotContains(t, n.Metadata, autogptKept)
		if n.BlockID == blockID("GetCurrentDateBlock") {
			require.Equal(t, map[string]any{"discriminator": "strftime", "format": "%Y"}, n.InputDefault["format_type"])
		}
		if n.BlockID == blockID("AgentExecutorBlock") {
			require.Contains(t, n.InputDefault, "input_schema")
			require.NotContains(t, n.InputDefault, "user_id")
		}
	}
	require.True(t, slices.ContainsFunc(exp.Links, func(l exportedLink) bool { return l.SinkName == "topic" }),
		"a link into AgentExecutorBlock names the sub-agent's input")
	require.Len(t, exp.SubGraphs, 1)
	require.Contains(t, exp.InputSchema["properties"], "subject")

	second := importDoc(b, tok, raw, nil)
	require.Equal(t, "Topic writer (2)", second.Graph.Name)
	require.Equal(t, view.normalized(), graphView(t, b, tok, second.Graph.ID).normalized())
	require.Equal(t, graphView(t, b, tok, first.SubGraphs[0].ID).normalized(), graphView(t, b, tok, second.SubGraphs[0].ID).normalized())

	// A graph made here goes there and back too.
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("made here", 4)}, "createGraph", &g)
	b.ok(tok, `query($id: ID!) { exportGraph(id: $id) }`, map[string]any{"id": g.ID}, "exportGraph", &raw)
	back := importDoc(b, tok, raw, nil)
	back.requireRunnable(t)
	require.Equal(t, graphView(t, b, tok, g.ID).normalized(), graphView(t, b, tok, back.Graph.ID).normalized())

	// Another user's graph, or none, exports as null.
	_, other := b.user(model.RoleUser)
	r := b.do(other, `query($id: ID!) { exportGraph(id: $id) }`, map[string]any{"id": g.ID})
	require.Empty(t, r.Errors)
	require.Equal(t, "null", string(r.Data["exportGraph"]))
}

// createGraph takes AutoGPT's semantics too, and refuses defaults for pins
// the block does not have, which validateGraph names.
func TestCreateGraphAutoGPTSemantics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "semantics", "links": []any{}, "nodes": []any{
		map[string]any{"key": "v", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": 1, "data": nil}},
		map[string]any{"key": "d", "blockId": "GetCurrentDateBlock", "inputDefault": map[string]any{
			"format_type": map[string]any{"discriminator": "iso8601"}}},
	}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	view := graphView(t, b, tok, g.ID)
	require.Equal(t, map[string]any{"input": float64(1)}, view.byKey("v").InputDefault)
	require.Equal(t, map[string]any{"format": "%Y-%m-%d"}, view.byKey("d").InputDefault)

	in["nodes"] = append(in["nodes"].([]any), map[string]any{"key": "x", "blockId": "StoreValueBlock",
		"inputDefault": map[string]any{"input": 1, "secret": true}})
	in["name"] = "semantics 2"
	r := b.do(tok, createGraph, map[string]any{"in": in})
	require.Equal(t, "VALIDATION_FAILED", r.code())
	var problems []struct{ Code, Pin string }
	b.ok(tok, `query($in: GraphInput!) { validateGraph(input: $in) { code pin } }`, map[string]any{"in": in}, "validateGraph", &problems)
	require.Equal(t, []struct{ Code, Pin string }{{"UNKNOWN_PIN", "secret"}}, problems)
}

type exportedLink struct {
	SinkName string `json:"sink_name"`
}

// autogptKept is the node metadata key importGraph keeps unknown defaults under.
const autogptKept = "autogpt_input_default"

type viewNode struct {
	Key, BlockID, Label string
	InputDefault        map[string]any
	Metadata            map[string]any
	Position            struct{ X, Y float64 }
}

type viewLink struct {
	Source, Sink         struct{ Key string }
	SourceName, SinkName string
	IsStatic             bool
}

type view struct {
	Nodes []viewNode
	Links []viewLink
}

func graphView(t *testing.T, b *bundle, tok, id string) view {
	t.Helper()
	var v view
	b.ok(tok, `query($id: ID!) { graph(id: $id) { nodes { key blockId label inputDefault metadata position { x y } }
		links { source { key } sink { key } sourceName sinkName isStatic } } }`, map[string]any{"id": id}, "graph", &v)
	return v
}

func (v view) byKey(key string) *viewNode {
	for i := range v.Nodes {
		if v.Nodes[i].Key == key {
			return &v.Nodes[i]
		}
	}
	return nil
}

// node is the only node of the named block.
func (v view) node(block string) *viewNode {
	for i := range v.Nodes {
		if v.Nodes[i].BlockID == blockID(block) {
			return &v.Nodes[i]
		}
	}
	return nil
}

func (v view) hasLink(sinkName string) bool {
	return slices.ContainsFunc(v.Links, func(l viewLink) bool { return l.SinkName == sinkName })
}

// normalized is the view with what differs between two imports of one
// agent taken out: the sub-graph an AgentExecutorBlock runs is a new graph
// each time. Links are sorted: their order is not part of a graph.
func (v view) normalized() view {
	out := view{Links: slices.Clone(v.Links)}
	for _, n := range v.Nodes {
		if n.BlockID == blockID("AgentExecutorBlock") {
			def := map[string]any{}
			for k, x := range n.InputDefault {
				def[k] = x
			}
			def["graph_id"] = "(the sub-graph)"
			n.InputDefault = def
		}
		out.Nodes = append(out.Nodes, n)
	}
	sort.Slice(out.Links, func(i, j int) bool {
		a, b := out.Links[i], out.Links[j]
		return a.Source.Key+a.SourceName+a.Sink.Key+a.SinkName < b.Source.Key+b.SourceName+b.Sink.Key+b.SinkName
	})
	return out
}

func ptr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
