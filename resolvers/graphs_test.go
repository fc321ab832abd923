package resolvers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

func TestGraphVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct {
		ID      string
		GraphID string
		Version int
	}
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id graphId version } }`,
		map[string]any{"in": chainGraph("versions", 3)}, "createGraph", &g)
	require.Equal(t, 1, g.Version)
	// Graph.id names the version; graphId the graph, for every version.
	require.NotEqual(t, g.GraphID, g.ID)
	gid := g.GraphID

	// A new version that is not activated: graph(id) still answers version 1,
	// the active one, not the highest (AutoGPT's bug).
	upd := `mutation($id: ID!, $in: GraphInput!, $a: Boolean) { updateGraph(id: $id, input: $in, activate: $a) { id version isActive } }`
	var v2 struct {
		Version  int
		IsActive bool
	}
	b.ok(tok, upd, map[string]any{"id": gid, "in": chainGraph("versions", 4), "a": false}, "updateGraph", &v2)
	require.Equal(t, 2, v2.Version)
	require.False(t, v2.IsActive)
	var cur struct {
		Version  int
		Nodes    []struct{ ID string }
		Versions []struct{ Version int }
	}
	b.ok(tok, `query($id: ID!) { graph(id: $id) { version nodes { id } versions { version } } }`, map[string]any{"id": gid}, "graph", &cur)
	require.Equal(t, 1, cur.Version)
	require.Len(t, cur.Nodes, 3)
	require.Equal(t, []struct{ Version int }{{2}, {1}}, cur.Versions)

	b.ok(tok, `mutation($id: ID!) { setActiveGraphVersion(id: $id, version: 2) { version isActive } }`, map[string]any{"id": gid}, "", nil)
	b.ok(tok, `query($id: ID!) { graph(id: $id) { version nodes { id } versions { version } } }`, map[string]any{"id": gid}, "graph", &cur)
	require.Equal(t, 2, cur.Version)
	require.Len(t, cur.Nodes, 4)

	// The version list filters: active versions by default, inactive on request.
	var inactive struct {
		Edges []struct{ Node struct{ Version int } }
	}
	b.ok(tok, `{ graphs(filter: {isActive: false}) { edges { node { version } } } }`, nil, "graphs", &inactive)
	require.Len(t, inactive.Edges, 1)
	require.Equal(t, 1, inactive.Edges[0].Node.Version)

	// Updating activates by default.
	b.ok(tok, upd, map[string]any{"id": gid, "in": chainGraph("versions", 5)}, "updateGraph", &v2)
	require.Equal(t, 3, v2.Version)
	require.True(t, v2.IsActive)

	// Fork, then delete the original: the fork stays.
	var fork struct {
		ID                string
		ForkedFromID      string
		ForkedFromVersion int
		Name              string
	}
	b.ok(tok, `mutation($id: ID!) { forkGraph(id: $id) { id forkedFromId forkedFromVersion name } }`, map[string]any{"id": gid}, "forkGraph", &fork)
	require.Equal(t, gid, fork.ForkedFromID, "the graph's own id")
	require.Equal(t, 3, fork.ForkedFromVersion)
	require.Equal(t, "versions (copy)", fork.Name)
	b.ok(tok, `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": gid}, "", nil)
	for _, id := range []string{gid, g.ID} {
		r := b.do(tok, `query($id: ID!) { graph(id: $id) { id } }`, map[string]any{"id": id})
		require.Empty(t, r.Errors)
		require.Equal(t, "null", string(r.Data["graph"]), id)
	}
	b.ok(tok, `query($id: ID!) { graph(id: $id) { id } }`, map[string]any{"id": fork.ID}, "", nil)
}

func TestGraphValidationErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	cycle := map[string]any{"name": "cycle", "nodes": []map[string]any{
		{"key": "a", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": 1}},
		{"key": "b", "blockId": "StoreValueBlock"},
	}, "links": []map[string]any{
		{"sourceKey": "a", "sourceName": "output", "sinkKey": "b", "sinkName": "input"},
		{"sourceKey": "b", "sourceName": "output", "sinkKey": "a", "sinkName": "data"},
	}}
	r := b.do(tok, createGraph, map[string]any{"in": cycle})
	require.Equal(t, "VALIDATION_FAILED", r.code())
	problems, _ := json.Marshal(r.Errors[0].Extensions["problems"])
	require.Contains(t, string(problems), `"CYCLE"`)

	// validateGraph returns the same list without writing.
	var ps []struct {
		Code     string
		NodeKeys []string
	}
	b.ok(tok, `query($in: GraphInput!) { validateGraph(input: $in) { code nodeKeys message pin linkIndex } }`, map[string]any{"in": cycle}, "validateGraph", &ps)
	require.Equal(t, "CYCLE", ps[0].Code)
	require.ElementsMatch(t, []string{"a", "b"}, ps[0].NodeKeys)

	// Repeated links: each repeat is named by its index.
	dup := map[string]any{"name": "dup", "nodes": []map[string]any{
		{"key": "a", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": 1}},
		{"key": "b", "blockId": "StoreValueBlock"},
	}, "links": []map[string]any{
		{"sourceKey": "a", "sourceName": "output", "sinkKey": "b", "sinkName": "input"},
		{"sourceKey": "a", "sourceName": "output", "sinkKey": "b", "sinkName": "input"},
		{"sourceKey": "a", "sourceName": "output", "sinkKey": "b", "sinkName": "input", "isStatic": true},
	}}
	r = b.do(tok, createGraph, map[string]any{"in": dup})
	require.Equal(t, "VALIDATION_FAILED", r.code())
	var dupProblems []struct {
		Code      string
		LinkIndex int
		NodeKeys  []string
	}
	raw, _ := json.Marshal(r.Errors[0].Extensions["problems"])
	require.NoError(t, json.Unmarshal(raw, &dupProblems))
	require.Len(t, dupProblems, 2, "%s", raw)
	for i, p := range dupProblems {
		require.Equal(t, "DUPLICATE_LINK", p.Code)
		require.Equal(t, i+1, p.LinkIndex)
		require.Equal(t, []string{"a", "b"}, p.NodeKeys)
	}
	var vps []struct{ Code string }
	b.ok(tok, `query($in: GraphInput!) { validateGraph(input: $in) { code linkIndex } }`, map[string]any{"in": dup}, "validateGraph", &vps)
	require.Len(t, vps, 2)
	require.Equal(t, "DUPLICATE_LINK", vps[0].Code)

	bad := []struct {
		name string
		in   map[string]any
		code string
	}{
		{"unknown block", map[string]any{"name": "x", "nodes": []map[string]any{{"key": "a", "blockId": "00000000-0000-0000-0000-000000000000"}}, "links": []any{}}, "VALIDATION_FAILED"},
		{"missing pin", map[string]any{"name": "x", "nodes": []map[string]any{{"key": "a", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": 1}}, {"key": "b", "blockId": "StoreValueBlock"}},
			"links": []map[string]any{{"sourceKey": "a", "sourceName": "nope", "sinkKey": "b", "sinkName": "input"}}}, "VALIDATION_FAILED"},
		{"10 KB name", map[string]any{"name": strings.Repeat("n", 10240), "nodes": []any{}, "links": []any{}}, "BAD_USER_INPUT"},
		{"10000 nodes", hugeGraph(10000), "BAD_USER_INPUT"},
		{"deep defaults", map[string]any{"name": "deep", "nodes": []map[string]any{{"key": "a", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": nest(60)}}}, "links": []any{}}, "VALIDATION_FAILED"},
		{"defaults not an object", map[string]any{"name": "x", "nodes": []map[string]any{{"key": "a", "blockId": "StoreValueBlock", "inputDefault": []int{1}}}, "links": []any{}}, "BAD_USER_INPUT"},
	}
	for _, tc := range bad {
		r := b.do(tok, createGraph, map[string]any{"in": tc.in})
		require.Equalf(t, tc.code, r.code(), "%s: %+v", tc.name, r.Errors)
	}
	// Nothing was written.
	var list struct{ Edges []any }
	b.ok(tok, `{ graphs { edges { node { id } } } }`, nil, "graphs", &list)
	require.Empty(t, list.Edges)

	// A name unique among the owner's active graphs (the seed's index).
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("same", 3)}, "", nil)
	r = b.do(tok, createGraph, map[string]any{"in": chainGraph("same", 3)})
	require.Equal(t, "CONFLICT", r.code())
}

func hugeGraph(n int) map[string]any {
	nodes := make([]map[string]any, n)
	for i := range nodes {
		nodes[i] = map[string]any{"key": key(i), "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": i}}
	}
	return map[string]any{"name": "huge", "nodes": nodes, "links": []any{}}
}

func nest(n int) any {
	var v any = 1
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}

// A fork without a name never fails on its default name: forking one's own
// graph again, or the same template twice, takes the next free name, and a
// long name is cut so that the suffix fits.
func TestForkTakesAFreeDefaultName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, owner := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	const fork = `mutation($id: ID!) { forkGraph(id: $id) { name } }`
	create := func(tok, name string, template bool) string {
		in := chainGraph(name, 3)
		in["isTemplate"] = template
		var g struct{ GraphID string }
		b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`, map[string]any{"in": in}, "createGraph", &g)
		return g.GraphID
	}
	names := func(tok, id string, n int) []string {
		var out []string
		for range n {
			var f struct{ Name string }
			b.ok(tok, fork, map[string]any{"id": id}, "forkGraph", &f)
			out = append(out, f.Name)
		}
		return out
	}
	own := create(owner, "mine", false)
	require.Equal(t, []string{"mine (copy)", "mine (copy 2)", "mine (copy 3)"}, names(owner, own, 3))
	tpl := create(owner, "shared recipe", true)
	require.Equal(t, []string{"shared recipe", "shared recipe (copy)", "shared recipe (copy 2)"}, names(other, tpl, 3))
	long := strings.Repeat("é", 100)
	id := create(owner, long, false)
	require.Equal(t, []string{strings.Repeat("é", 93) + " (copy)", strings.Repeat("é", 91) + " (copy 2)"}, names(owner, id, 2))
	// A name the caller gives is used as given: a collision is theirs to see.
	require.Equal(t, "CONFLICT", b.do(owner, `mutation($id: ID!) { forkGraph(id: $id, name: "mine") { name } }`, map[string]any{"id": own}).code())
}

// updateGraph refuses a version with an AgentExecutorBlock node whose
// default graph_id is the graph itself (a run of it would run itself
// without end), VALIDATION_FAILED naming the node and pin, storing nothing.
func TestUpdateGraphRefusesAGraphRunningItself(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ GraphID string }
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`, map[string]any{"in": chainGraph("rec", 2)}, "createGraph", &g)
	self := map[string]any{"name": "rec", "nodes": []map[string]any{
		{"key": "ag", "blockId": "AgentExecutorBlock", "inputDefault": map[string]any{"graph_id": g.GraphID}},
	}, "links": []any{}}
	r := b.do(tok, `mutation($id: ID!, $in: GraphInput!) { updateGraph(id: $id, input: $in, activate: true) { version } }`,
		map[string]any{"id": g.GraphID, "in": self})
	require.Equal(t, "VALIDATION_FAILED", r.code())
	problems, _ := json.Marshal(r.Errors[0].Extensions["problems"])
	require.Contains(t, string(problems), `"INVALID_DEFAULT"`)
	require.Contains(t, string(problems), `"graph_id"`)
	require.Contains(t, string(problems), "cannot run the graph it is in")
	var cur struct{ Version int }
	b.ok(tok, `query($id: ID!) { graph(id: $id) { version } }`, map[string]any{"id": g.GraphID}, "graph", &cur)
	require.Equal(t, 1, cur.Version, "nothing stored")
}
