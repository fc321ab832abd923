package resolvers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// deleteGraph racing executeGraph of the same graph: every answer is a run
// stored, NOT_FOUND or CONFLICT (never INTERNAL); a graph deleted keeps no
// run, and a run stored keeps its graph; the ledger still adds up.
func TestDeleteGraphRacingExecuteGraph(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	pool := testenv.Postgres(t)
	ctx := context.Background()
	codes := map[string]int{}
	for round := 0; round < 20; round++ {
		var g struct{ ID, GraphID string }
		b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id graphId } }`,
			map[string]any{"in": chainGraph(fmt.Sprintf("race %d", round), 3)}, "createGraph", &g)
		var wg sync.WaitGroup
		var mu sync.Mutex
		answers := make([]*response, 0, 5)
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func(del bool) {
				defer wg.Done()
				q, v := `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.GraphID}
				if del {
					q, v = `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": g.GraphID}
				}
				r := b.do(tok, q, v)
				mu.Lock()
				answers = append(answers, r)
				mu.Unlock()
			}(i == 2)
		}
		wg.Wait()
		for _, r := range answers {
			c := r.code()
			require.Containsf(t, []string{"", "NOT_FOUND", "CONFLICT"}, c, "%+v", r.Errors)
			codes[c]++
		}
		var graphs, runs int
		require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM graphs WHERE id = $1),
			(SELECT count(*) FROM graph_executions WHERE graph_id = $1)`, g.GraphID).Scan(&graphs, &runs))
		if graphs == 0 {
			require.Zero(t, runs, "round %d: a deleted graph keeps no run", round)
		}
	}
	t.Logf("answers: %v", codes)
	bal, sum, _ := ledgerOf(t, u.ID)
	require.Equal(t, bal, sum)
}
