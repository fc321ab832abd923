package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
)

// decisionTools are two linked nodes as the engine describes them: a text
// template fed on two pins and a calculator on one.
func decisionTools() []ToolSpec {
	tpl, _ := Builtin().ByName("FillTextTemplateBlock")
	calc, _ := Builtin().ByName("CalculatorBlock")
	return []ToolSpec{
		{NodeID: "node-tpl", BlockName: tpl.Info().Name, BlockDescription: tpl.Info().Description, BlockType: tpl.Info().Type,
			InputSchema: tpl.Info().InputSchema, Pins: []string{"format", "values_#_name"}},
		{NodeID: "node-calc", Label: "Add numbers!", BlockName: calc.Info().Name, BlockDescription: calc.Info().Description,
			InputSchema: calc.Info().InputSchema, Pins: []string{"a"}},
	}
}

func TestSmartDecisionMakerIsAutoGPTs(t *testing.T) {
	b, ok := Builtin().ByName("SmartDecisionMakerBlock")
	require.True(t, ok)
	require.Equal(t, "3b191d9f-356f-482d-8238-ba04b6d18381", b.Info().ID)
	require.Equal(t, TypeAI, b.Info().Type)
	require.Equal(t, []Category{CategoryAIML}, b.Info().Categories)
	for _, pin := range []string{"tools", "finished", "conversations", "tool_functions", "error"} {
		require.True(t, Builtin().HasOutputPin(b.Info().ID, pin), pin)
	}
	// Older graphs' tool links name the tool in their source pin.
	require.True(t, Builtin().HasOutputPin(b.Info().ID, "tools_^_calculatorblock_~_a"))
	calc, _ := Builtin().ByName("CalculatorBlock")
	require.False(t, Builtin().HasOutputPin(calc.Info().ID, "tools"))
	for _, pin := range []string{"prompt", "model", "multiple_tool_calls", "sys_prompt", "conversation_history", "last_tool_output",
		"retry", "prompt_values", "max_tokens", "agent_mode_max_iterations"} {
		require.True(t, Builtin().HasInputPin(b.Info().ID, pin), pin)
	}
}

// Tool-call mode: the model gets one function per linked node (name,
// description, the linked pins' schemas), and its call comes out on the
// tool-call pins of the called node only, every linked pin once (null when
// the model left it out), followed by the conversation.
func TestSmartDecisionMakerToolCall(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_1", Name: "filltexttemplateblock",
			Arguments: `{"format":"Hi {{name}}","values___name":"Ada"}`}}, Input: 500, Output: 20}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	rc.Tools = decisionTools()
	got, err := runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "Greet {{who}}", "prompt_values": map[string]any{"who": "Ada"}, "model": "gpt-4o-mini"})
	require.NoError(t, err)
	require.Len(t, got, 4, "%v", got)
	require.Equal(t, "tool_functions", got[0].Pin)
	require.Equal(t, output{Pin: "tools_^_node-tpl_~_format", Value: "Hi {{name}}"}, got[1])
	require.Equal(t, output{Pin: "tools_^_node-tpl_~_values_#_name", Value: "Ada"}, got[2])
	require.Equal(t, "conversations", got[3].Pin)
	conv := got[3].Value.([]any)
	require.Equal(t, "assistant", conv[len(conv)-1].(map[string]any)["role"])
	require.Contains(t, conv[len(conv)-2].(map[string]any)["content"], "Greet Ada")

	body := s.Seen()[0].Body
	tools := body["tools"].([]any)
	require.Len(t, tools, 2)
	fn := tools[1].(map[string]any)["function"].(map[string]any)
	require.Equal(t, "add_numbers_", fn["name"], "the node's label names the tool")
	params := fn["parameters"].(map[string]any)
	require.Contains(t, params["properties"].(map[string]any), "a")
	fn0 := tools[0].(map[string]any)["function"].(map[string]any)
	require.Equal(t, "filltexttemplateblock", fn0["name"])
	require.ElementsMatch(t, []any{"format"}, fn0["parameters"].(map[string]any)["required"])
	require.Contains(t, fn0["parameters"].(map[string]any)["properties"], "values___name")
	msgs := body["messages"].([]any)
	require.Contains(t, msgs[0].(map[string]any)["content"], "Only provide EXACTLY one function call")
	require.Positive(t, rc.spent)
}

// No tool call: the model's text is the finished message.
func TestSmartDecisionMakerFinished(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"All ", "done"}, Input: 10, Output: 2}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	rc.Tools = decisionTools()
	got, err := runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock", map[string]any{"prompt": "x", "model": "claude-haiku-4-5"})
	require.NoError(t, err)
	require.Equal(t, output{Pin: "finished", Value: "All done"}, got[len(got)-1])
	require.Equal(t, []string{"finished:All ", "finished:done"}, rc.deltas)
}

// A call to an unknown parameter is re-asked with the problem quoted;
// retries exhausted, the node fails naming it. No tools linked fails at once.
func TestSmartDecisionMakerBadToolCall(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(n int, _ llmstub.Seen) llmstub.Reply {
		if n != 1 { // the second call of the first run answers well
			return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "c", Name: "add_numbers_", Arguments: `{"b":1}`}}}
		}
		return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "c", Name: "add_numbers_", Arguments: `{"a":2}`}}}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	rc.Tools = decisionTools()
	got, err := runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock", map[string]any{"prompt": "x", "model": "gpt-4o-mini", "retry": 2})
	require.NoError(t, err)
	require.Equal(t, output{Pin: "tools_^_node-calc_~_a", Value: 2.0}, got[1])
	seen := s.Seen()
	require.Len(t, seen, 2)
	last := seen[1].Body["messages"].([]any)
	require.Contains(t, last[len(last)-1].(map[string]any)["content"], "Unknown parameters: [b]")

	_, err = runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock", map[string]any{"prompt": "x", "model": "gpt-4o-mini", "retry": 1})
	require.ErrorContains(t, err, "Unknown parameters: [b]")

	rc.Tools = nil
	_, err = runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock", map[string]any{"prompt": "x", "model": "gpt-4o-mini"})
	require.ErrorContains(t, err, "no next node to execute")
}

// A conversation handed back with the tool's output answers the pending
// call and asks again; with two calls pending, the first output is
// recorded and the block waits for the next.
func TestSmartDecisionMakerConversation(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"ok"}}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	rc.Tools = decisionTools()
	history := []any{
		map[string]any{"role": "user", "content": mainObjectivePrefix + "x"},
		map[string]any{"role": "assistant", "content": "", "tool_calls": []any{
			map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "add_numbers_", "arguments": `{"a":1}`}}}},
	}
	got, err := runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "x", "model": "gpt-4o-mini", "conversation_history": history, "last_tool_output": 42})
	require.NoError(t, err)
	require.Equal(t, output{Pin: "finished", Value: "ok"}, got[len(got)-1])
	msgs := s.Seen()[0].Body["messages"].([]any)
	var tool map[string]any
	users := 0
	for _, m := range msgs {
		mm := m.(map[string]any)
		if mm["role"] == "tool" {
			tool = mm
		}
		if mm["role"] == "user" {
			users++
		}
	}
	require.Equal(t, "call_1", tool["tool_call_id"])
	require.Equal(t, "42", tool["content"])
	require.Equal(t, 1, users, "the objective is not repeated")

	two := append(history[:1:1], map[string]any{"role": "assistant", "tool_calls": []any{
		map[string]any{"id": "call_1", "function": map[string]any{"name": "a"}},
		map[string]any{"id": "call_2", "function": map[string]any{"name": "b"}}}})
	got, err = runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "x", "model": "gpt-4o-mini", "conversation_history": two, "last_tool_output": "r1"})
	require.NoError(t, err)
	require.Equal(t, "conversations", got[len(got)-1].Pin)
	require.Len(t, s.Seen(), 1, "no call while a tool output is pending")

	_, err = runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "x", "model": "gpt-4o-mini", "conversation_history": two})
	require.ErrorContains(t, err, "requires an output")
}

// fakeNodes runs tools in memory for the agent-mode test.
type fakeNodes struct {
	calls []map[string]any
	fail  bool
}

func (f *fakeNodes) RunNode(_ context.Context, nodeID string, input map[string]any) (map[string][]any, error) {
	f.calls = append(f.calls, input)
	if f.fail {
		return nil, errors.New("boom")
	}
	return map[string][]any{"result": {input["a"].(float64) + 1}}, nil
}

// Agent mode: each called node runs through RunContext.Nodes, its outputs
// go back to the model as the tool's answer, and the loop ends on an
// answer without tool calls; the iteration limit ends it otherwise.
func TestSmartDecisionMakerAgentMode(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(n int, _ llmstub.Seen) llmstub.Reply {
		if n < 2 {
			return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_" + string(rune('a'+n)), Name: "add_numbers_", Arguments: `{"a":41}`}}, Input: 10, Output: 5}
		}
		return llmstub.Reply{Chunks: []string{"The answer is 42"}, Input: 10, Output: 5}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	rc.Tools = decisionTools()
	nodes := &fakeNodes{}
	rc.Nodes = nodes
	got, err := runCtx(t, context.Background(), &rc.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "x", "model": "gpt-4o-mini", "agent_mode_max_iterations": 5})
	require.NoError(t, err)
	require.Len(t, nodes.calls, 2)
	require.Equal(t, map[string]any{"a": 41.0}, nodes.calls[0])
	var finished string
	for _, o := range got {
		require.NotContains(t, o.Pin, "tools_^_", "agent mode runs its tools itself")
		if o.Pin == "finished" {
			finished = o.Value.(string)
		}
	}
	require.Equal(t, "The answer is 42", finished)
	third := s.Seen()[2].Body["messages"].([]any)
	var answers []string
	for _, m := range third {
		if mm := m.(map[string]any); mm["role"] == "tool" {
			answers = append(answers, mm["content"].(string))
		}
	}
	require.Equal(t, []string{`{"result":[42]}`, `{"result":[42]}`}, answers)

	// The limit: one iteration, which asks the model to finish.
	s2 := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_x", Name: "add_numbers_", Arguments: `{"a":1}`}}}
	})
	defer s2.Close()
	rc2 := newAIRC(s2, 1000, true)
	rc2.Tools = decisionTools()
	rc2.Nodes = &fakeNodes{fail: true}
	got, err = runCtx(t, context.Background(), &rc2.RunContext, "SmartDecisionMakerBlock",
		map[string]any{"prompt": "x", "model": "gpt-4o-mini", "agent_mode_max_iterations": 1})
	require.NoError(t, err)
	require.Contains(t, got[len(got)-2].Value, "limit reached")
	conv, _ := json.Marshal(got[len(got)-1].Value)
	require.Contains(t, string(conv), "Tool execution failed: boom")
	msgs := s2.Seen()[0].Body["messages"].([]any)
	require.Contains(t, msgs[len(msgs)-1].(map[string]any)["content"], "This is your last iteration (1/1)")
}
