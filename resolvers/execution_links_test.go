package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A run's links are those between the nodes that ran, for its owner and
// for a share-token reader alike: a run cancelled while its wait node runs
// shows the input → wait link, not the wait → output one (the output never
// ran, so a share does not show it).
func TestExecutionLinksAreThoseBetweenNodesThatRan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "waits", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
		{"key": "wait", "blockId": "WaitBlock", "inputDefault": map[string]any{"seconds": 60}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "y"}},
	}, "links": []map[string]any{
		{"sourceKey": "in", "sourceName": "result", "sinkKey": "wait", "sinkName": "data"},
		{"sourceKey": "wait", "sourceName": "data", "sinkKey": "out", "sinkName": "value"},
	}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	type shape struct {
		NodeExecutions []struct{ Node struct{ Key string } }
		Links          []struct {
			SourceName, SinkName string
			Source, Sink         struct{ Key string }
		}
	}
	const fields = `nodeExecutions { node { key } } links { sourceName sinkName source { key } sink { key } }`
	// Wait until the wait node runs: then in and wait have executions.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		var s struct{ NodeExecutions []struct{ Status string } }
		b.ok(tok, `query($id: ID!) { execution(id: $id) { nodeExecutions { status } } }`, map[string]any{"id": ex.ID}, "execution", &s)
		if len(s.NodeExecutions) == 2 && s.NodeExecutions[1].Status == "RUNNING" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the wait node did not start: %+v", s.NodeExecutions)
		case <-time.After(20 * time.Millisecond):
		}
	}
	b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, map[string]any{"id": ex.ID}, "cancelExecution", nil)
	waitStatus(t, b, tok, ex.ID, "CANCELLED")

	var own shape
	b.ok(tok, `query($id: ID!) { execution(id: $id) { `+fields+` } }`, map[string]any{"id": ex.ID}, "execution", &own)
	require.Len(t, own.NodeExecutions, 2, "in and wait ran, out did not")
	require.Len(t, own.Links, 1)
	l := own.Links[0]
	require.Equal(t, []string{"in", "result", "wait", "data"}, []string{l.Source.Key, l.SourceName, l.Sink.Key, l.SinkName})

	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)
	var viaToken shape
	b.ok("", `query($t: String!) { sharedExecution(shareToken: $t) { `+fields+` } }`, map[string]any{"t": shared.ShareToken}, "sharedExecution", &viaToken)
	require.Equal(t, own, viaToken, "a share-token reader sees the same shape as the owner")
}
