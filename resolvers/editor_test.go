package resolvers_test

import (
	"fmt"
	"slices"
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
	require.LessOrEqual(t, large, int64(16), "the editor query should stay a handful of statements")
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
