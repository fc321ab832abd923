package resolvers_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A run's events show the node they concern (key, label, block) and the
// event that ends the run its outputs, over the websocket, for two
// subscriptions of different shapes (so each event is rendered twice, not
// shared): the graph version's nodes are read once for all their events,
// and the outputs once for both ends.
//
// The run feeds its input to an output (which completes at once) and to 20
// waits that hold it until it is cancelled: once both subscriptions have
// started and the output is stored, the test cancels the run, and the 20
// waits' CANCELLED events and the run's end arrive as events.
func TestExecutionEventsShowTheirNodeAndTheEndItsOutputs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	const waits = 20
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": waitGraph("ws-event-nodes", waits)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	// What each node of the graph is, to check every event's node against.
	type block struct{ ID, Name string }
	type node struct {
		ID, Key, Label string
		Block          block
		RequiredInputs []string
	}
	var stored struct{ Nodes []node }
	b.ok(tok, `query($id: ID!) { graph(id: $id) { nodes { id key label block { id name } requiredInputs } } }`,
		map[string]any{"id": g.ID}, "graph", &stored)
	byID := map[string]node{}
	for _, n := range stored.Nodes {
		byID[n.ID] = n
	}
	require.Len(t, byID, waits+2)

	c := dialWS(t, b, tok)
	subs := map[string]string{
		"a": `subscription($id: ID!) { executionEvents(executionId: $id) { seq kind status nodeId outputs node { id key label block { id name } } } }`,
		// b also shows the nodes' required inputs, which depend on the links
		// into them: those come from the operation's own read of the graph.
		"b": `subscription($id: ID!) { executionEvents(executionId: $id) { kind seq nodeId status node { key block { name id } label id requiredInputs } outputs } }`,
	}
	for id, q := range subs {
		c.send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": q, "variables": map[string]any{"id": ex.ID}}})
	}
	type event struct {
		Seq     int
		Kind    string
		Status  *string
		NodeID  *string
		Node    *node
		Outputs json.RawMessage
	}
	started := map[string]bool{}
	done := map[string]bool{}
	nodeEvents := map[string]int{}
	ends := map[string]json.RawMessage{}
	outStored, cancelled := false, false
	for len(done) < len(subs) {
		m := c.next()
		id, _ := m["id"].(string)
		require.False(t, done[id], "%v after complete", m)
		if m["type"] == "complete" {
			done[id] = true
			continue
		}
		require.Equal(t, "next", m["type"], "%v", m)
		var out struct {
			Data   struct{ ExecutionEvents event }
			Errors []any
		}
		raw, _ := json.Marshal(m["payload"])
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
		require.Empty(t, out.Errors, "%s", raw)
		ev := out.Data.ExecutionEvents
		switch ev.Kind {
		case "SNAPSHOT":
			require.False(t, started[id], "%s: one snapshot, no resync expected here", id)
			started[id] = true
			require.Nil(t, ev.Node, "a SNAPSHOT concerns no node")
			var outputs map[string][]any
			require.NoError(t, json.Unmarshal(ev.Outputs, &outputs), "a SNAPSHOT carries the outputs so far: %s", raw)
			outStored = outStored || len(outputs["y"]) > 0
		case "NODE_STATUS", "NODE_OUTPUT":
			require.NotNil(t, ev.NodeID, "%s", raw)
			require.NotNil(t, ev.Node, "a node event shows its node: %s", raw)
			want := byID[*ev.NodeID]
			if id == "a" {
				want.RequiredInputs = nil // not selected
			}
			require.Equal(t, want, *ev.Node, "the node as the graph holds it")
			require.Equal(t, "null", string(ev.Outputs), "only the end carries the outputs: %s", raw)
			nodeEvents[id]++
			outStored = outStored || (want.Key == "out" && ev.Status != nil && *ev.Status == "COMPLETED")
		case "GRAPH_STATUS":
			require.Nil(t, ev.Node)
			if ev.Status != nil && *ev.Status == "CANCELLED" {
				ends[id] = ev.Outputs
			} else {
				require.Equal(t, "null", string(ev.Outputs), "only the end carries the outputs: %s", raw)
			}
		}
		if !cancelled && len(started) == len(subs) && outStored {
			b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, map[string]any{"id": ex.ID}, "", nil)
			cancelled = true
		}
	}
	var final struct {
		Status  string
		Outputs json.RawMessage
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { status outputs } }`, map[string]any{"id": ex.ID}, "execution", &final)
	require.Equal(t, "CANCELLED", final.Status)
	require.JSONEq(t, `{"y":[1]}`, string(final.Outputs))
	for id := range subs {
		require.GreaterOrEqual(t, nodeEvents[id], waits, "%s: the waits' ends arrived as events", id)
		require.Contains(t, ends, id, "%s: the end arrived as an event", id)
		require.JSONEq(t, string(final.Outputs), string(ends[id]), "%s: the end carries the run's outputs", id)
	}
	require.EqualValues(t, 1, b.reads.nodeReads.Load(), "one read of the nodes for every event of both subscriptions")
	require.EqualValues(t, 0, b.reads.outputReads.Load(), "the end's event carried the outputs (small): no read")
}

// waitGraph is a graph whose input x feeds an output y (which completes at
// once) and waits WaitBlocks that hold it for 10 minutes: a run of it stays
// RUNNING, quiet, until it is cancelled.
func waitGraph(name string, waits int) map[string]any {
	nodes := []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "label": "Question", "inputDefault": map[string]any{"name": "x"}},
		{"key": "out", "blockId": "AgentOutputBlock", "label": "Answer", "inputDefault": map[string]any{"name": "y"}},
	}
	links := []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "out", "sinkName": "value"}}
	for i := range waits {
		key := fmt.Sprintf("wait%d", i)
		nodes = append(nodes, map[string]any{"key": key, "blockId": "WaitBlock", "label": fmt.Sprintf("Wait %d", i),
			"inputDefault": map[string]any{"seconds": 600}})
		links = append(links, map[string]any{"sourceKey": "in", "sourceName": "result", "sinkKey": key, "sinkName": "data"})
	}
	return map[string]any{"name": name, "nodes": nodes, "links": links}
}
