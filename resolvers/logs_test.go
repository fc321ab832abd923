package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// The check for logs: a run with a block that logs at WARNING shows
// the line in `logs` and in the executionLogs subscription (with a minimum
// level that leaves the run's INFO lines out); the subscription completes
// after the run's end.
func TestBlockLogsAtWarningReachLogsAndTheSubscription(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	in := map[string]any{"name": "logs-warning",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "print", "blockId": "PrintToConsoleBlock", "inputDefault": map[string]any{"level": "WARNING"}}},
		"links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "print", "sinkName": "text"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: "disk almost full"}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	sub := func(tok string) wsClient {
		c := dialWS(t, b, tok)
		c.send(map[string]any{"type": "subscribe", "id": "l", "payload": map[string]any{
			"query":     `subscription($id: ID!) { executionLogs(executionId: $id, minLevel: WARNING) { level message nodeId } }`,
			"variables": map[string]any{"id": ex.ID}}})
		return c
	}
	c := sub(tok)
	m := c.next()
	require.Equal(t, "next", m["type"], "%v", m)
	raw, _ := json.Marshal(m["payload"])
	var line struct {
		Data struct {
			ExecutionLogs struct {
				Level, Message string
				NodeID         *string
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &line))
	require.Equal(t, "WARNING", line.Data.ExecutionLogs.Level)
	require.Equal(t, "disk almost full", line.Data.ExecutionLogs.Message)
	require.NotNil(t, line.Data.ExecutionLogs.NodeID, "the line names its node")
	require.Equal(t, "complete", c.next()["type"], "only the WARNING line, then the end (the run's INFO line is below minLevel)")

	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var run struct {
		Logs struct {
			Edges []struct {
				Node struct{ Level, Message string }
			}
		}
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { logs { edges { node { level message } } } } }`, map[string]any{"id": ex.ID}, "execution", &run)
	var levels []string
	for _, e := range run.Logs.Edges {
		levels = append(levels, e.Node.Level+" "+e.Node.Message)
	}
	require.Contains(t, levels, "WARNING disk almost full")
	require.Contains(t, levels, "INFO execution COMPLETED")

	// Another user's run is not found.
	o := sub(other)
	m = o.next()
	raw, _ = json.Marshal(m["payload"])
	var denied response
	require.NoError(t, json.Unmarshal(raw, &denied))
	require.Equal(t, "NOT_FOUND", denied.code(), "%s", raw)
}
