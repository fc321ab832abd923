package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A secret graph input (AgentInputBlock with secret: true) is never shown
// again once given: the run's inputs, the input node's node-execution
// inputs and outputs and its events show "********", to the owner and to a
// share-token reader alike; the other inputs are shown as given.
func TestSecretInputsAreMasked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "secret input", "nodes": []map[string]any{
		{"key": "pw", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "pw", "secret": true}},
		{"key": "who", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "who"}},
	}, "links": []map[string]any{}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {pw: "hunter2", who: "ada"}) { id } }`,
		map[string]any{"g": g.ID}, "executeGraph", &ex)

	// The live events, snapshot included, until the run's end.
	c := dialWS(t, b, tok)
	c.send(map[string]any{"type": "subscribe", "id": "e", "payload": map[string]any{
		"query": `subscription($id: ID!) { executionEvents(executionId: $id) { kind status value
			execution { inputs nodeExecutions { inputs outputs } } } }`,
		"variables": map[string]any{"id": ex.ID}}})
	var seen []byte
	for {
		m := c.raw()
		require.NotContains(t, string(m), "hunter2")
		seen = append(seen, m...)
		var msg struct{ Type string }
		require.NoError(t, json.Unmarshal(m, &msg))
		if msg.Type == "complete" {
			break
		}
		require.Equal(t, "next", msg.Type, "%s", m)
	}
	require.Contains(t, string(seen), "********")

	q := `{ inputs outputs nodeExecutions { inputs outputs } }`
	raw, _ := b.raw(b.url, tok, `query($id: ID!) { execution(id: $id) `+q+` }`, map[string]any{"id": ex.ID})
	require.NotContains(t, string(raw), "hunter2")
	var own struct {
		Data struct {
			Execution struct {
				Inputs         map[string]any
				NodeExecutions []struct{ Inputs, Outputs map[string]any }
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &own))
	require.Equal(t, map[string]any{"pw": "********", "who": "ada"}, own.Data.Execution.Inputs)
	masked := 0
	for _, ne := range own.Data.Execution.NodeExecutions {
		if ne.Inputs["name"] == "pw" {
			masked++
			require.Equal(t, "********", ne.Inputs["value"])
			require.Equal(t, []any{"********"}, ne.Outputs["result"])
		} else {
			require.Equal(t, "ada", ne.Inputs["value"])
		}
	}
	require.Equal(t, 1, masked)

	raw, _ = b.raw(b.url, tok, `{ executions(first: 10) { edges { node { inputs } } } }`, nil)
	require.NotContains(t, string(raw), "hunter2")
	require.Contains(t, string(raw), "********")

	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)
	raw, _ = b.raw(b.url, "", `query($t: String!) { sharedExecution(shareToken: $t) `+q+` }`, map[string]any{"t": shared.ShareToken})
	require.NotContains(t, string(raw), "hunter2")
	require.Contains(t, string(raw), "********")

	// A schedule's inputs are its runs' inputs: masked too.
	raw, _ = b.raw(b.url, tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { inputs } }`, map[string]any{"in": map[string]any{
		"graphId": g.ID, "name": "s", "cron": "0 9 * * *", "inputs": map[string]any{"pw": "hunter2", "who": "ada"}}})
	require.NotContains(t, string(raw), "hunter2")
	require.Contains(t, string(raw), "********")
	raw, _ = b.raw(b.url, tok, `query($g: ID!) { schedules(graphId: $g) { inputs } }`, map[string]any{"g": g.ID})
	require.NotContains(t, string(raw), "hunter2")
	require.Contains(t, string(raw), `"who":"ada"`)
}
