package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// editorQuery is what the visual editor loads in one request: the graph,
// every node with its block, every link with its ends, the versions and the
// first page of runs with their node executions.
const editorQuery = `query Editor($id: ID!) {
  graph(id: $id) {
    id version name description isActive isTemplate createdAt
    owner { id displayName }
    nodes { id key label blockId inputDefault metadata position { x y } requiredInputs outputSchema
      block { id name description categories blockType inputSchema outputSchema costs { costType costAmount } credentialsProviderNames } }
    links { id sourceName sinkName isStatic source { id key } sink { id key } }
    entryNodes { id } exitNodes { id }
    versions { id version isActive createdAt }
    executions(first: 10) { edges { node { id status createdAt stats { totalNodes successRate } nodeExecutions { id status nodeId node { id key } } } } pageInfo { hasNextPage endCursor } }
  }
}`

const createGraph = `mutation($in: GraphInput!) { createGraph(input: $in) { id version nodes { id key } } }`

// TestEditorQueryStatementCount: the editor query costs the same number of
// SQL statements for a 10-node and a 500-node graph.
func TestEditorQueryStatementCount(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	count := func(n int) int64 {
		var g struct{ ID string }
		b.ok(tok, createGraph, map[string]any{"in": chainGraph("editor-"+key(n), n)}, "createGraph", &g)
		var ex struct{ ID string }
		b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
		before := b.stmts.n.Load()
		var got struct {
			Nodes []struct{ ID string }
			Links []struct{ ID string }
		}
		b.ok(tok, editorQuery, map[string]any{"id": g.ID}, "graph", &got)
		require.Len(t, got.Nodes, n)
		require.Len(t, got.Links, n-1)
		return b.stmts.n.Load() - before
	}
	small, large := count(10), count(500)
	require.Equal(t, small, large, "statements for 10 nodes vs 500 nodes")
	// The API key, the graph, its owner, its nodes, its links, its
	// versions, its runs, their node executions.
	require.LessOrEqual(t, large, int64(8), "the editor query should stay a handful of statements")
}

// TestEditorQueryShowsTheGraph: what the editor query answers for a small
// graph and its run: each node with its block, output schema and required
// inputs, each link with both ends, the entry and exit nodes, and each node
// execution's node.
func TestEditorQueryShowsTheGraph(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("editor-fields", 3)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	require.Eventually(t, func() bool {
		var e struct{ Status string }
		b.ok(tok, `query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": ex.ID}, "execution", &e)
		return e.Status == "COMPLETED"
	}, 20*time.Second, 20*time.Millisecond)

	type ref struct{ ID, Key string }
	var got struct {
		Nodes []struct {
			ID, Key, BlockID string
			RequiredInputs   []string
			OutputSchema     json.RawMessage
			Block            struct {
				ID, Name     string
				OutputSchema json.RawMessage
			}
		}
		Links []struct {
			SourceName, SinkName string
			Source, Sink         ref
		}
		EntryNodes, ExitNodes []struct{ ID string }
		Executions            struct {
			Edges []struct {
				Node struct {
					ID             string
					NodeExecutions []struct {
						NodeID string
						Node   ref
					}
				}
			}
		}
	}
	b.ok(tok, editorQuery, map[string]any{"id": g.ID}, "graph", &got)
	require.Len(t, got.Nodes, 3)
	keys := map[string]string{}
	for _, n := range got.Nodes {
		keys[n.ID] = n.Key
		require.Equal(t, n.BlockID, n.Block.ID)
		require.JSONEq(t, string(n.Block.OutputSchema), string(n.OutputSchema), "a node's output schema is its block's")
	}
	byKey := func(k string) int {
		i := slices.IndexFunc(got.Nodes, func(n struct {
			ID, Key, BlockID string
			RequiredInputs   []string
			OutputSchema     json.RawMessage
			Block            struct {
				ID, Name     string
				OutputSchema json.RawMessage
			}
		}) bool {
			return n.Key == k
		})
		require.GreaterOrEqual(t, i, 0, k)
		return i
	}
	in, mid, out := got.Nodes[byKey("n0")], got.Nodes[byKey("n1")], got.Nodes[byKey("n2")]
	require.Equal(t, []string{"AgentInputBlock", "StoreValueBlock", "AgentOutputBlock"}, []string{in.Block.Name, mid.Block.Name, out.Block.Name})
	// A stored graph has every required input provided (validation refuses
	// it otherwise): what is left is only what blocks changed since.
	// TestRequiredInputs (internal/graphcheck) covers the rule itself.
	for _, n := range []int{byKey("n0"), byKey("n1"), byKey("n2")} {
		require.Equal(t, []string{}, got.Nodes[n].RequiredInputs)
	}
	require.Len(t, got.Links, 2)
	for _, l := range got.Links {
		require.Equal(t, keys[l.Source.ID], l.Source.Key)
		require.Equal(t, keys[l.Sink.ID], l.Sink.Key)
	}
	require.ElementsMatch(t, []ref{{in.ID, "n0"}, {mid.ID, "n1"}}, []ref{got.Links[0].Source, got.Links[1].Source})
	require.Equal(t, []struct{ ID string }{{in.ID}}, got.EntryNodes)
	require.Equal(t, []struct{ ID string }{{out.ID}}, got.ExitNodes)
	require.Len(t, got.Executions.Edges, 1)
	require.Len(t, got.Executions.Edges[0].Node.NodeExecutions, 3)
	for _, ne := range got.Executions.Edges[0].Node.NodeExecutions {
		require.Equal(t, ref{ne.NodeID, keys[ne.NodeID]}, ne.Node)
	}
}

// BenchmarkEditorQuery measures the editor query on a 10- and a 500-node
// graph and reports the median latency and the SQL statements per request
// (see BENCHMARKS.md): `go test -run '^$' -bench EditorQuery ./resolvers/`.
func BenchmarkEditorQuery(b *testing.B) {
	for _, n := range []int{10, 500} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			bb := setup(b)
			_, tok := bb.user(model.RoleUser)
			var g struct{ ID string }
			bb.ok(tok, createGraph, map[string]any{"in": chainGraph(fmt.Sprintf("bench-editor-%d", n), n)}, "createGraph", &g)
			vars := map[string]any{"id": g.ID}
			lat := make([]time.Duration, 0, b.N)
			before := bb.stmts.n.Load()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r := bb.do(tok, editorQuery, vars)
				lat = append(lat, time.Since(start))
				if len(r.Errors) > 0 {
					b.Fatalf("%+v", r.Errors)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(bb.stmts.n.Load()-before)/float64(b.N), "stmts/op")
		})
	}
}

// TestPlainListsAsGqlgen: a graph's nodes, links, entry and exit nodes and
// a run's node executions and graph shape, rendered by the server itself (plain fields
// only), are byte for byte what gqlgen renders, for selections with
// aliases, repeated and merged fields, fragments, __typename and
// @skip/@include; and selections it leaves to gqlgen answer the same too.
func TestPlainListsAsGqlgen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := chainGraph("plain-lists", 6)
	in["nodes"].([]map[string]any)[2]["metadata"] = map[string]any{"note": "<b>&</b> \u2028", "n": []any{1, 2.5, nil}}
	in["nodes"].([]map[string]any)[3]["label"] = "quote \" back \\ é"
	in["nodes"].([]map[string]any)[4]["position"] = map[string]any{"x": 1e21, "y": -0.000001}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	require.Eventually(t, func() bool {
		var e struct{ Status string }
		b.ok(tok, `query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": ex.ID}, "execution", &e)
		return e.Status == "COMPLETED"
	}, 20*time.Second, 20*time.Millisecond)

	queries := []string{
		editorQuery,
		`query($id: ID!) { graph(id: $id) { nodes { __typename id ...N key: label label: key position { y x __typename } block { ...B name } } } }
		 fragment N on Node { blockId block { id costs { costType description costAmount costCurrency costFilter } } inputDefault }
		 fragment B on Block { __typename categories requiredInputs blockType inputSchema }`,
		`query($id: ID!, $yes: Boolean!, $no: Boolean!) { graph(id: $id) {
		   links { id @include(if: $yes) sourceId @skip(if: $yes) sinkId sourceName isStatic
		     source { key ... on Node { id key requiredInputs } } sink @include(if: $no) { id } a: sink { outputSchema metadata } }
		   entryNodes { ... { id label } } exitNodes { b: block { d: description } } } }`,
		`query($id: ID!) { graph(id: $id) { executions(first: 5) { edges { node {
		   nodeExecutions { __typename status nodeId graphExecutionId id node { key block { name } } } } } } } }`,
		`query($id: ID!) { graph(id: $id) { executions(first: 5) { edges { node { graphShape { __typename name
		   nodes { __typename id ...S l: label label position { x __typename y } block { name ...B } }
		   links { sinkName __typename id sourceId k: sinkId sourceName isStatic id } } } } } } }
		 fragment S on GraphShapeNode { key blockId block { id } }
		 fragment B on Block { costs { costType } }`,
		// Left to gqlgen: a field with arguments, a field not rendered here.
		`query($id: ID!) { graph(id: $id) { nodes { key executions(first: 1) { edges { node { id } } } } } }`,
		`query($id: ID!) { graph(id: $id) { executions(first: 5) { edges { node { nodeExecutions { id cost duration } } } } } }`,
	}
	// Node executions' inputs and outputs are read only when shown (a lighter
	// read otherwise): shown through a fragment, they are there.
	var run struct {
		Executions struct {
			Edges []struct {
				Node struct {
					NodeExecutions []struct{ ID, Inputs, Outputs json.RawMessage }
				}
			}
		}
	}
	b.ok(tok, `query($id: ID!) { graph(id: $id) { executions(first: 1) { edges { node { nodeExecutions { id ...V } } } } } }
		fragment V on NodeExecution { inputs outputs }`, map[string]any{"id": g.ID}, "graph", &run)
	for _, ne := range run.Executions.Edges[0].Node.NodeExecutions {
		require.NotEqual(t, "{}", string(ne.Outputs), "%s", ne.ID)
	}
	for _, q := range queries {
		vars := map[string]any{"id": g.ID, "yes": true, "no": false}
		ours, status := b.raw(b.url, tok, q, vars)
		require.Equal(t, 200, status, "%s", ours)
		theirs, _ := b.raw(b.gqlgenURL, tok, q, vars)
		require.NotContains(t, string(ours), `"errors"`, q)
		require.Equal(t, string(theirs), string(ours), q)
	}
}

// TestEditorQueryConcurrently: the editor query answers the same bytes to
// clients asking at once (run with -race: the graph index, the block views
// and the rendered lists are shared within and across requests).
func TestEditorQueryConcurrently(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("editor-concurrent", 60)}, "createGraph", &g)
	for range 2 {
		b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", nil)
	}
	require.Eventually(t, func() bool {
		var got struct {
			Executions struct {
				Edges []struct{ Node struct{ Status string } }
			}
		}
		b.ok(tok, `query($id: ID!) { graph(id: $id) { executions(first: 10) { edges { node { status } } } } }`,
			map[string]any{"id": g.ID}, "graph", &got)
		done := 0
		for _, e := range got.Executions.Edges {
			if e.Node.Status == "COMPLETED" {
				done++
			}
		}
		return done == 2
	}, 20*time.Second, 20*time.Millisecond)
	vars := map[string]any{"id": g.ID}
	want, _ := b.raw(b.url, tok, editorQuery, vars)
	require.NotContains(t, string(want), `"errors"`)
	var wg sync.WaitGroup
	answers := make([][]byte, 8*5)
	for w := range 8 {
		wg.Go(func() {
			for i := range 5 {
				answers[w*5+i], _ = b.raw(b.url, tok, editorQuery, vars)
			}
		})
	}
	wg.Wait()
	for _, a := range answers {
		require.Equal(t, string(want), string(a))
	}
}
