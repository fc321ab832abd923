package resolvers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Over the websocket, a run of AgentInputBlock → AITextGeneratorBlock →
// AgentOutputBlock on the operator's key streams NODE_OUTPUT_DELTA events
// with the model's text before the node's stored value and the run's end.
// The stub holds its answer after the first chunk until the subscriber has
// seen a delta, so the deltas provably arrive while the model still writes.
func TestExecutionEventsStreamModelTextBeforeTheEnd(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	stub := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Hello", " over", " the wire"}, Input: 100, Output: 3, Gate: gate}
	})
	defer stub.Close()
	b := setupWith(t, credentials.OperatorKeys{"openai": blocks.Credential{Provider: "openai", Type: "API_KEY",
		Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL(), Operator: true}})
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "ws-ai-deltas",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "question"}},
			{"key": "ai", "blockId": "AITextGeneratorBlock", "inputDefault": map[string]any{"model": "gpt-4o-mini", "max_tokens": 50}},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "answer"}}},
		"links": []map[string]any{
			{"sourceKey": "in", "sourceName": "result", "sinkKey": "ai", "sinkName": "prompt"},
			{"sourceKey": "ai", "sourceName": "response", "sinkKey": "out", "sinkName": "value"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {question: "hi"}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	c := dialWS(t, b, tok)
	c.send(map[string]any{"type": "subscribe", "id": "s", "payload": map[string]any{
		"query":     `subscription($id: ID!) { executionEvents(executionId: $id) { seq kind status pin value } }`,
		"variables": map[string]any{"id": ex.ID}}})
	type event struct {
		Seq    int
		Kind   string
		Status *string
		Pin    *string
		Value  json.RawMessage
	}
	var kinds []string
	var text strings.Builder
	deltasBeforeOutput, sawOutput, released := 0, false, false
	for {
		m := c.next()
		if m["type"] == "complete" {
			break
		}
		require.Equal(t, "next", m["type"], "%v", m)
		var out struct {
			Data struct{ ExecutionEvents event }
		}
		raw, _ := json.Marshal(m["payload"])
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
		ev := out.Data.ExecutionEvents
		kinds = append(kinds, ev.Kind)
		switch ev.Kind {
		case "NODE_OUTPUT_DELTA":
			require.False(t, sawOutput, "a delta after the stored value: %v", kinds)
			require.Equal(t, "response", *ev.Pin)
			var d string
			require.NoError(t, json.Unmarshal(ev.Value, &d))
			text.WriteString(d)
			deltasBeforeOutput++
			if !released {
				released = true
				close(gate) // the model may finish now
			}
		case "NODE_OUTPUT":
			if ev.Pin != nil && *ev.Pin == "response" {
				sawOutput = true
			}
		}
	}
	require.True(t, released, "no NODE_OUTPUT_DELTA arrived: %v", kinds)
	require.True(t, sawOutput, "%v", kinds)
	require.Positive(t, deltasBeforeOutput)
	require.Equal(t, "Hello over the wire", text.String(), "every delta once, in order: %v", kinds)
	require.Equal(t, "GRAPH_STATUS", kinds[len(kinds)-1])
	require.Equal(t, "Bearer sk-operator", stub.Seen()[0].Authorization)
}
