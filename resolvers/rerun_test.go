package resolvers_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// rerunExecution runs again what a run ran, with the inputs as stored:
// a secret input, which every read masks, and an integer past 2^53 come
// back as given, not as "********" or rounded. Another user's run, or a
// missing one, is NOT_FOUND; a malformed id BAD_USER_INPUT; nothing is
// started for either.
func TestRerunExecutionRepeatsTheStoredInputs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "rerun", "nodes": []map[string]any{
		{"key": "pw", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "pw", "secret": true}},
		{"key": "n", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "n"}},
		{"key": "pwOut", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "pw"}},
		{"key": "nOut", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "n"}},
	}, "links": []map[string]any{
		{"sourceKey": "pw", "sourceName": "result", "sinkKey": "pwOut", "sinkName": "value"},
		{"sourceKey": "n", "sourceName": "result", "sinkKey": "nOut", "sinkName": "value"},
	}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {pw: "hunter2", n: 9007199254740993}, logLevel: DEBUG) { id } }`,
		map[string]any{"g": g.ID}, "executeGraph", &ex)
	orig := ex.ID
	want := outputsAtEnd(t, b, tok, orig)
	require.JSONEq(t, `{"pw": ["hunter2"], "n": [9007199254740993]}`, want)

	var again struct {
		ID, LogLevel string
		Inputs       map[string]any
		Trigger      struct{ Kind string }
	}
	b.ok(tok, `mutation($id: ID!) { rerunExecution(id: $id) { id logLevel inputs trigger { kind } } }`,
		map[string]any{"id": orig}, "rerunExecution", &again)
	require.NotEqual(t, orig, again.ID)
	require.Equal(t, "DEBUG", again.LogLevel)
	require.Equal(t, "MANUAL", again.Trigger.Kind)
	require.Equal(t, "********", again.Inputs["pw"], "shown masked, as every read")
	require.JSONEq(t, want, outputsAtEnd(t, b, tok, again.ID), "run with the stored secret and the exact integer")

	// Refused, starting nothing.
	_, other := b.user(model.RoleUser)
	for _, tc := range []struct{ tok, id, code string }{
		{other, orig, "NOT_FOUND"},
		{tok, uuid.NewString(), "NOT_FOUND"},
		{tok, "not-an-id", "BAD_USER_INPUT"},
	} {
		r := b.do(tc.tok, `mutation($id: ID!) { rerunExecution(id: $id) { id } }`, map[string]any{"id": tc.id})
		require.Equal(t, tc.code, r.code(), "%s", tc.id)
	}
	var runs struct {
		Executions struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	b.ok(tok, `query($g: ID!) { graph(id: $g) { executions(first: 10) { edges { node { id } } } } }`, map[string]any{"g": g.ID}, "graph", &runs)
	require.Len(t, runs.Executions.Edges, 2, "the run and its one repeat")
}
