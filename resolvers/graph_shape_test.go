package resolvers_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

const shapeFields = `graphShape { name
	nodes { id key blockId block { name } label position { x y } }
	links { id sourceId sinkId sourceName sinkName isStatic } }`

type shapeAnswer struct {
	GraphShape *struct {
		Name  string
		Nodes []struct {
			ID, Key, BlockID, Label string
			Block                   *struct{ Name string }
			Position                struct{ X, Y float64 }
		}
		Links []struct {
			ID, SourceID, SinkID, SourceName, SinkName string
			IsStatic                                   bool
		}
	}
	NodeExecutions []struct{ NodeID string }
}

// Typed into the graph by its owner: none of it may reach a share-token
// reader through the shape.
const (
	typedDefault  = "sk-typed-by-the-owner"
	typedMetadata = "note-typed-by-the-owner"
)

// branchGraph: x → cond (x > 10?) → yes: big → bigout; no: small. Run with
// x = 1, the yes branch (big, bigout) never runs.
func branchGraph(name string) map[string]any {
	return map[string]any{"name": name, "description": "described by the owner", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
		{"key": "cond", "blockId": "ConditionBlock", "label": "Is it big?",
			"inputDefault": map[string]any{"operator": ">", "value2": 10, "yes_value": typedDefault},
			"metadata":     map[string]any{"note": typedMetadata}, "position": map[string]any{"x": 300, "y": 0}},
		{"key": "big", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"data": typedDefault},
			"position": map[string]any{"x": 600, "y": -100}},
		{"key": "bigout", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "big"},
			"position": map[string]any{"x": 900, "y": -100}},
		{"key": "small", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "small"},
			"position": map[string]any{"x": 600, "y": 100}},
	}, "links": []map[string]any{
		{"sourceKey": "in", "sourceName": "result", "sinkKey": "cond", "sinkName": "value1"},
		{"sourceKey": "cond", "sourceName": "yes_output", "sinkKey": "big", "sinkName": "input"},
		{"sourceKey": "big", "sourceName": "output", "sinkKey": "bigout", "sinkName": "value", "isStatic": true},
		{"sourceKey": "cond", "sourceName": "no_output", "sinkKey": "small", "sinkName": "value"},
	}}
}

// A run's graphShape is the whole version that ran — every node and link,
// those of the branch that never ran too — for its owner and for a
// share-token reader alike, and the reader's answer holds nothing the owner
// typed into the nodes (input defaults, metadata) nor the description; nor
// do the nodes of its node executions and links (`{}`).
// A withdrawn or unknown token answers null.
func TestGraphShapeShowsTheWholeRunWithoutWhatWasTyped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct {
		ID    string
		Nodes []struct{ ID, Key string }
	}
	b.ok(tok, createGraph, map[string]any{"in": branchGraph("branches")}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")

	const q = `query($id: ID!) { execution(id: $id) { ` + shapeFields + ` nodeExecutions { nodeId } } }`
	var own shapeAnswer
	b.ok(tok, q, map[string]any{"id": ex.ID}, "execution", &own)
	require.Len(t, own.NodeExecutions, 3, "in, cond and small ran; big and bigout did not")
	s := own.GraphShape
	require.NotNil(t, s)
	require.Equal(t, "branches", s.Name)
	idOf := map[string]string{}
	for _, n := range g.Nodes {
		idOf[n.Key] = n.ID
	}
	var keys []string
	keyOf := map[string]string{}
	for _, n := range s.Nodes {
		keys = append(keys, n.Key)
		keyOf[n.ID] = n.Key
		require.Equal(t, idOf[n.Key], n.ID)
		require.NotNil(t, n.Block, n.Key)
	}
	require.Equal(t, []string{"big", "bigout", "cond", "in", "small"}, keys, "ordered by key")
	cond := s.Nodes[2]
	require.Equal(t, []any{"cond", "ConditionBlock", "Is it big?", 300.0, 0.0},
		[]any{cond.Key, cond.Block.Name, cond.Label, cond.Position.X, cond.Position.Y})
	var links []string
	for _, l := range s.Links {
		links = append(links, fmt.Sprintf("%s.%s->%s.%s static=%v", keyOf[l.SourceID], l.SourceName, keyOf[l.SinkID], l.SinkName, l.IsStatic))
		require.NotEmpty(t, l.ID)
	}
	require.ElementsMatch(t, []string{
		"in.result->cond.value1 static=false", "cond.yes_output->big.input static=false",
		"big.output->bigout.value static=true", "cond.no_output->small.value static=false",
	}, links, "every link, those of the branch that never ran too")

	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)
	const sq = `query($t: String!) { sharedExecution(shareToken: $t) { ` + shapeFields + ` nodeExecutions { nodeId } } }`
	var viaToken shapeAnswer
	b.ok("", sq, map[string]any{"t": shared.ShareToken}, "sharedExecution", &viaToken)
	require.Equal(t, own, viaToken, "a share-token reader gets the owner's shape")
	raw, _ := b.raw(b.url, "", sq, map[string]any{"t": shared.ShareToken})
	for _, typed := range []string{typedDefault, typedMetadata, "described by the owner"} {
		require.NotContains(t, string(raw), typed, "the shape shows nothing typed into the nodes")
	}
	// The type has no such field to ask for: a reader cannot select them.
	r := b.do("", `query($t: String!) { sharedExecution(shareToken: $t) { graphShape { nodes { inputDefault } } } }`, map[string]any{"t": shared.ShareToken})
	require.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.code())

	// Nor do the nodes of the run's node executions and links: the owner
	// reads what was typed into them, a share-token reader `{}`.
	const nq = `nodeExecutions { node { key inputDefault metadata } }
		links { source { key inputDefault metadata } sink { key inputDefault metadata } }`
	type typedNode struct {
		Key                    string
		InputDefault, Metadata map[string]any
	}
	type nodesAnswer struct {
		NodeExecutions []struct{ Node typedNode }
		Links          []struct{ Source, Sink typedNode }
	}
	var ownNodes, sharedNodes nodesAnswer
	b.ok(tok, `query($id: ID!) { execution(id: $id) { `+nq+` } }`, map[string]any{"id": ex.ID}, "execution", &ownNodes)
	b.ok("", `query($t: String!) { sharedExecution(shareToken: $t) { `+nq+` } }`, map[string]any{"t": shared.ShareToken}, "sharedExecution", &sharedNodes)
	require.Len(t, sharedNodes.NodeExecutions, 3)
	require.Len(t, sharedNodes.Links, 2, "in → cond → small")
	ownCond := ownNodes.NodeExecutions[1].Node
	require.Equal(t, "cond", ownCond.Key)
	require.Equal(t, typedDefault, ownCond.InputDefault["yes_value"], "the owner reads the defaults")
	require.Equal(t, typedMetadata, ownCond.Metadata["note"])
	var seen []typedNode
	for i, ne := range sharedNodes.NodeExecutions {
		require.Equal(t, ownNodes.NodeExecutions[i].Node.Key, ne.Node.Key)
		seen = append(seen, ne.Node)
	}
	for _, l := range sharedNodes.Links {
		seen = append(seen, l.Source, l.Sink)
	}
	for _, n := range seen {
		require.Empty(t, n.InputDefault, n.Key)
		require.Empty(t, n.Metadata, n.Key)
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { `+nq+` } }`, map[string]any{"id": ex.ID}, "execution", &ownNodes)
	require.Equal(t, typedDefault, ownNodes.NodeExecutions[1].Node.InputDefault["yes_value"], "and still does after a share-token read")

	b.ok(tok, `mutation($id: ID!) { unshareExecution(id: $id) { id } }`, map[string]any{"id": ex.ID}, "unshareExecution", nil)
	for _, token := range []string{shared.ShareToken, "never-a-share-token"} {
		var gone *shapeAnswer
		b.ok("", sq, map[string]any{"t": token}, "sharedExecution", &gone)
		require.Nil(t, gone, "token %q: no run, no shape", token)
	}
}

// A shared run's shape costs the same number of SQL statements for a graph
// of 5 nodes as for one of 200.
func TestGraphShapeStatementCount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	count := func(n int) int64 {
		var g struct{ ID string }
		b.ok(tok, createGraph, map[string]any{"in": chainGraph(fmt.Sprint("shape-", n), n)}, "createGraph", &g)
		var ex struct{ ID string }
		b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
		waitStatus(t, b, tok, ex.ID, "COMPLETED")
		var shared struct{ ShareToken string }
		b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)
		var got shapeAnswer
		stmts := b.fewestStatements(func() {
			b.ok("", `query($t: String!) { sharedExecution(shareToken: $t) { `+shapeFields+` nodeExecutions { nodeId } } }`,
				map[string]any{"t": shared.ShareToken}, "sharedExecution", &got)
		})
		require.Len(t, got.GraphShape.Nodes, n)
		require.Len(t, got.GraphShape.Links, n-1)
		require.Len(t, got.NodeExecutions, n)
		return stmts
	}
	small, large := count(5), count(200)
	require.Equal(t, small, large, "statements for 5 nodes vs 200")
	// The run, its secret inputs (read once per process), its nodes, its
	// links, its versions (the name), its node executions.
	require.LessOrEqual(t, large, int64(6), "a shared run with its shape stays a handful of statements")
}

// Over the websocket, the SNAPSHOT of the owner's executionEvents carries the
// run's whole shape too (the operation's own loaders read it).
func TestGraphShapeOverWebsocket(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": branchGraph("ws-branches")}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	c := dialWS(t, b, tok)
	c.send(map[string]any{"type": "subscribe", "id": "s", "payload": map[string]any{
		"query":     `subscription($id: ID!) { executionEvents(executionId: $id) { kind execution { ` + shapeFields + ` } } }`,
		"variables": map[string]any{"id": ex.ID}}})
	m := c.next()
	require.Equal(t, "next", m["type"], "%v", m)
	var out struct {
		Data struct {
			ExecutionEvents struct {
				Kind      string
				Execution shapeAnswer
			}
		}
	}
	raw, _ := json.Marshal(m["payload"])
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	ev := out.Data.ExecutionEvents
	require.Equal(t, "SNAPSHOT", ev.Kind)
	require.NotNil(t, ev.Execution.GraphShape, "%s", raw)
	require.Equal(t, "ws-branches", ev.Execution.GraphShape.Name)
	require.Len(t, ev.Execution.GraphShape.Nodes, 5)
	require.Len(t, ev.Execution.GraphShape.Links, 4)
	require.NotContains(t, string(raw), typedDefault)
}
