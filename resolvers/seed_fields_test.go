package resolvers_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestBlockFormHints: every block serves a uiSchema and example inputs.
func TestBlockFormHints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var all []struct {
		Name     string
		UISchema map[string]any
		Examples []map[string]any
	}
	b.ok("", `{ blocks { name uiSchema examples } }`, nil, "blocks", &all)
	require.NotEmpty(t, all)
	for _, blk := range all {
		require.Contains(t, blk.UISchema, "ui:order", blk.Name)
		require.Len(t, blk.Examples, 1, blk.Name)
	}
	var calc struct {
		UISchema map[string]json.RawMessage
		Examples []map[string]any
	}
	b.ok("", `{ block(id: "b1ab9b19-67a6-406d-abf5-2dba76d00c79") { uiSchema examples } }`, nil, "block", &calc)
	require.JSONEq(t, `["operation","a","b","round_result","*"]`, string(calc.UISchema["ui:order"]))
	require.JSONEq(t, `{"ui:title":"Operation","ui:widget":"select"}`, string(calc.UISchema["operation"]))
	require.JSONEq(t, `{"ui:title":"A","ui:widget":"updown"}`, string(calc.UISchema["a"]))
	require.JSONEq(t, `{"ui:title":"Round result","ui:widget":"checkbox"}`, string(calc.UISchema["round_result"]))
	require.Equal(t, []map[string]any{{"operation": "Add", "a": 0.0, "b": 0.0, "round_result": false}}, calc.Examples)
}

// TestUserCreditFields: a balance has its own id, its user's id and when it
// was opened.
func TestUserCreditFields(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	var me struct {
		ID     string
		Credit struct {
			ID        string
			UserID    string
			CreatedAt time.Time
			UpdatedAt time.Time
			Balance   int
		}
	}
	b.ok(tok, `{ me { id credit { id userId createdAt updatedAt balance } } }`, nil, "me", &me)
	require.Equal(t, u.ID.String(), me.Credit.UserID)
	_, err := uuid.Parse(me.Credit.ID)
	require.NoError(t, err)
	require.NotEqual(t, me.ID, me.Credit.ID, "the balance is an object of its own")
	require.False(t, me.Credit.CreatedAt.IsZero())
	require.False(t, me.Credit.UpdatedAt.Before(me.Credit.CreatedAt))
	var added struct{ ID, UserID string }
	_, admin := b.user(model.RoleAdmin)
	b.ok(admin, `mutation($u: ID!) { addCredits(userId: $u, amount: 5) { id userId } }`, map[string]any{"u": u.ID.String()}, "addCredits", &added)
	require.Equal(t, me.Credit.ID, added.ID, "one balance per user: the same id")
	require.Equal(t, me.Credit.UserID, added.UserID)
}

// TestIsSuccessful: true only for a run that ended COMPLETED.
func TestIsSuccessful(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	calc := map[string]any{"name": "calc", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
		{"key": "calc", "blockId": "CalculatorBlock", "inputDefault": map[string]any{"operation": "Add", "b": 1}},
	}, "links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "calc", "sinkName": "a"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": calc}, "createGraph", &g)
	run := `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id isSuccessful } }`
	for input, want := range map[any]string{1: "COMPLETED", "abc": "FAILED"} {
		var ex struct {
			ID           string
			IsSuccessful bool
		}
		b.ok(tok, run, map[string]any{"g": g.ID, "in": map[string]any{"x": input}}, "executeGraph", &ex)
		require.False(t, ex.IsSuccessful, "a queued run")
		waitStatus(t, b, tok, ex.ID, want)
		b.ok(tok, `query($id: ID!) { execution(id: $id) { id isSuccessful } }`, map[string]any{"id": ex.ID}, "execution", &ex)
		require.Equal(t, want == "COMPLETED", ex.IsSuccessful, want)
	}
}

const nodeExecutionsQuery = `query($id: ID!, $after: String) { graph(id: $id) { nodes { id key
  executions(first: 1, after: $after) { edges { cursor node { id graphExecutionId status node { id } } } pageInfo { hasNextPage endCursor } } } } }`

type nodeExecutionsView struct {
	Nodes []struct {
		ID         string
		Key        string
		Executions struct {
			Edges []struct {
				Cursor string
				Node   struct {
					ID               string
					GraphExecutionID string
					Status           string
					Node             struct{ ID string }
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
}

// TestNodeExecutions: a node's executions across the caller's runs, newest
// first and paged; other users' runs of a template are not shown; the
// executions of every node of a graph cost the same statements whatever the
// number of nodes.
func TestNodeExecutions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	runGraph := func(name string, n, runs int) (string, []string) {
		in := chainGraph(name, n)
		in["isTemplate"] = true
		var g struct{ ID string }
		b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
		var ids []string
		for i := 0; i < runs; i++ {
			var ex struct{ ID string }
			b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
			waitStatus(t, b, tok, ex.ID, "COMPLETED")
			ids = append(ids, ex.ID)
		}
		return g.ID, ids
	}
	gid, runs := runGraph("node-execs", 3, 2)

	var page nodeExecutionsView
	b.ok(tok, nodeExecutionsQuery, map[string]any{"id": gid}, "graph", &page)
	require.Len(t, page.Nodes, 3)
	for _, n := range page.Nodes {
		require.Len(t, n.Executions.Edges, 1, n.Key)
		e := n.Executions.Edges[0].Node
		require.Equal(t, runs[1], e.GraphExecutionID, "newest first")
		require.Equal(t, "COMPLETED", e.Status)
		require.Equal(t, n.ID, e.Node.ID)
		require.True(t, n.Executions.PageInfo.HasNextPage)
	}
	// Nodes share the page arguments, so the next page is asked for one node's cursor.
	first := page.Nodes[0]
	var next nodeExecutionsView
	b.ok(tok, nodeExecutionsQuery, map[string]any{"id": gid, "after": first.Executions.PageInfo.EndCursor}, "graph", &next)
	require.Len(t, next.Nodes[0].Executions.Edges, 1)
	require.Equal(t, runs[0], next.Nodes[0].Executions.Edges[0].Node.GraphExecutionID)
	require.False(t, next.Nodes[0].Executions.PageInfo.HasNextPage)

	// Another user reads the template, not the owner's runs.
	_, other := b.user(model.RoleUser)
	var theirs nodeExecutionsView
	b.ok(other, nodeExecutionsQuery, map[string]any{"id": gid}, "graph", &theirs)
	require.Len(t, theirs.Nodes, 3)
	for _, n := range theirs.Nodes {
		require.Empty(t, n.Executions.Edges, n.Key)
	}

	count := func(id string, nodes int) int64 {
		before := b.stmts.n.Load()
		var got nodeExecutionsView
		b.ok(tok, nodeExecutionsQuery, map[string]any{"id": id}, "graph", &got)
		require.Len(t, got.Nodes, nodes)
		for _, n := range got.Nodes {
			require.Len(t, n.Executions.Edges, 1, n.Key)
		}
		return b.stmts.n.Load() - before
	}
	big, _ := runGraph("node-execs-big", 40, 1)
	require.Equal(t, count(gid, 3), count(big, 40), "statements for 3 nodes vs 40 nodes")
}
