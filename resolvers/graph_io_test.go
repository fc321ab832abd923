package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Graph.inputSchema and outputSchema are AutoGPT's Graph.input_schema and
// output_schema, made from the graph's input and output nodes: types,
// options as enum, secrets writeOnly without their default, inputs without
// a value required. executeGraph refuses an input that is not one of its
// options, naming it.
func TestGraphIOSchemas(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	g := map[string]any{"name": "io", "nodes": []map[string]any{
		{"key": "topic", "blockId": "AgentShortTextInputBlock", "inputDefault": map[string]any{"name": "topic", "title": "Topic", "description": "What about"}},
		{"key": "tone", "blockId": "AgentDropdownInputBlock", "inputDefault": map[string]any{"name": "tone", "options": []any{"formal", "casual"}, "value": "formal", "advanced": true}},
		{"key": "key", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "key", "value": "sk-not-shown", "secret": true}},
		{"key": "loud", "blockId": "AgentToggleInputBlock", "inputDefault": map[string]any{"name": "loud"}},
		{"key": "fill", "blockId": "FillTextTemplateBlock", "inputDefault": map[string]any{"format": "{{topic}} {{tone}} {{loud}}"}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "text", "title": "Text", "secret": true}},
		{"key": "keep", "blockId": "StoreValueBlock"},
	}, "links": []map[string]any{
		{"sourceKey": "topic", "sourceName": "result", "sinkKey": "fill", "sinkName": "values_#_topic"},
		{"sourceKey": "tone", "sourceName": "result", "sinkKey": "fill", "sinkName": "values_#_tone"},
		{"sourceKey": "loud", "sourceName": "result", "sinkKey": "fill", "sinkName": "values_#_loud"},
		{"sourceKey": "key", "sourceName": "result", "sinkKey": "keep", "sinkName": "input"},
		{"sourceKey": "fill", "sourceName": "output", "sinkKey": "out", "sinkName": "value"},
	}}
	var created struct {
		ID                        string
		InputSchema, OutputSchema json.RawMessage
	}
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { id inputSchema outputSchema } }`, map[string]any{"in": g}, "createGraph", &created)
	require.JSONEq(t, `{"type": "object", "required": ["topic"], "properties": {
		"topic": {"type": "string", "format": "short-text", "title": "Topic", "description": "What about", "secret": false, "advanced": false},
		"tone": {"type": "string", "enum": ["formal", "casual"], "title": "tone", "default": "formal", "secret": false, "advanced": true},
		"key": {"title": "key", "secret": true, "writeOnly": true, "advanced": false},
		"loud": {"type": "boolean", "title": "loud", "default": false, "secret": false, "advanced": false}}}`, string(created.InputSchema))
	require.JSONEq(t, `{"type": "object", "required": ["text"], "properties": {
		"text": {"title": "Text", "secret": true, "writeOnly": true, "advanced": false}}}`, string(created.OutputSchema))
	require.NotContains(t, string(created.InputSchema), "sk-not-shown")

	var read struct{ InputSchema json.RawMessage }
	b.ok(tok, `query($id: ID!) { graph(id: $id) { inputSchema } }`, map[string]any{"id": created.ID}, "graph", &read)
	require.JSONEq(t, string(created.InputSchema), string(read.InputSchema))

	run := `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`
	r := b.do(tok, run, map[string]any{"g": created.ID, "in": map[string]any{"topic": "Go", "tone": "rude"}})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	require.Equal(t, "inputs.tone", r.Errors[0].Extensions["field"])
	require.Contains(t, r.Errors[0].Message, `"rude" is not one of the options ["formal","casual"]`)
	var ex struct{ ID string }
	b.ok(tok, run, map[string]any{"g": created.ID, "in": map[string]any{"topic": "Go", "tone": "casual"}}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var done struct{ Outputs map[string][]any }
	b.ok(tok, `query($id: ID!) { execution(id: $id) { outputs } }`, map[string]any{"id": ex.ID}, "execution", &done)
	require.Equal(t, []any{"Go casual false"}, done.Outputs["text"])
}
