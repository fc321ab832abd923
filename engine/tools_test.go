package engine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// decisionGraph: question → SmartDecisionMakerBlock, whose tools are a
// calculator (a, b) and a text template (format), each feeding an output.
func decisionGraph(e *env, u *model.User, agentMode int) *model.FullGraph {
	return e.graph(u, []nspec{
		{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "question"}},
		{Key: "sdm", Block: "SmartDecisionMakerBlock", Defaults: map[string]any{"model": "gpt-4o-mini", "max_tokens": 100,
			"agent_mode_max_iterations": agentMode}},
		{Key: "calc", Block: "CalculatorBlock", Defaults: map[string]any{"operation": "Add"}},
		{Key: "tpl", Block: "FillTextTemplateBlock", Defaults: map[string]any{"values": map[string]any{}}},
		{Key: "sum", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "sum"}},
		{Key: "text", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "text"}},
		{Key: "done", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "finished"}},
	}, []lspec{
		{Source: "in", SourceName: "result", Sink: "sdm", SinkName: "prompt"},
		{Source: "sdm", SourceName: "tools", Sink: "calc", SinkName: "a"},
		{Source: "sdm", SourceName: "tools", Sink: "calc", SinkName: "b"},
		{Source: "sdm", SourceName: "tools", Sink: "tpl", SinkName: "format"},
		{Source: "calc", SourceName: "result", Sink: "sum", SinkName: "value"},
		{Source: "tpl", SourceName: "output", Sink: "text", SinkName: "value"},
		{Source: "sdm", SourceName: "finished", Sink: "done", SinkName: "value"},
	})
}

func decisionEnv(t *testing.T, reply func(n int, s llmstub.Seen) llmstub.Reply) (*env, *llmstub.Stub) {
	stub := llmstub.New(reply)
	t.Cleanup(stub.Close)
	e := newEnv(t, Options{Credentials: credentials.WithOperatorKeys(userCreds(nil),
		credentials.OperatorKeys{"openai": {Secret: "sk-operator", BaseURL: stub.OpenAIBaseURL()}})})
	return e, stub
}

// Tool-call mode in a run: the model sees both linked nodes as tools, its
// call to the calculator runs the calculator once with the model's
// arguments (and its result flows on), the template never runs, and the
// run completes.
func TestSmartDecisionMakerRoutesToolCall(t *testing.T) {
	t.Parallel()
	e, stub := decisionEnv(t, func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_1", Name: "calculatorblock", Arguments: `{"a":40,"b":2}`}}, Input: 300, Output: 20}
	})
	u := e.user(1000)
	fg := decisionGraph(e, u, 0)
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"question": "What is 40+2?"})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	var outs map[string][]any
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []any{42.0}, outs["sum"])
	require.Empty(t, outs["text"])
	require.Empty(t, outs["finished"])

	runs := e.nodeRuns(fg, ex.ID)
	require.Len(t, runs["calc"], 1)
	require.Empty(t, runs["tpl"], "a tool the model did not call does not run")
	require.Contains(t, string(runs["sdm"][0].Outputs), `"tools_^_`)

	tools := stub.Seen()[0].Body["tools"].([]any)
	require.Len(t, tools, 2)
	fn := tools[0].(map[string]any)["function"].(map[string]any)
	require.Equal(t, "calculatorblock", fn["name"], "tools in graph order")
	require.ElementsMatch(t, []any{"a", "b"}, mapKeys(fn["parameters"].(map[string]any)["properties"].(map[string]any)))
}

func mapKeys(m map[string]any) []any {
	var out []any
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A model that answers without a tool call ends on finished; no tool runs.
func TestSmartDecisionMakerFinishes(t *testing.T) {
	t.Parallel()
	e, _ := decisionEnv(t, func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Nothing ", "to do"}, Input: 300, Output: 3}
	})
	u := e.user(1000)
	fg := decisionGraph(e, u, 0)
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"question": "hi"})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	var outs map[string][]any
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []any{"Nothing to do"}, outs["finished"])
	runs := e.nodeRuns(fg, ex.ID)
	require.Empty(t, runs["calc"])
	require.Empty(t, runs["tpl"])
}

// Agent mode in a run: the loop runs inside the node; each called tool is
// a child node execution, stored with its parent named and its input and
// outputs, published like any other, and its result is not routed (the
// calculator's output node never runs); the model's last answer is the
// finished message. A failing tool is reported to the model, not the run.
func TestSmartDecisionMakerAgentModeRunsChildren(t *testing.T) {
	t.Parallel()
	e, stub := decisionEnv(t, func(n int, _ llmstub.Seen) llmstub.Reply {
		switch n {
		case 0:
			return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_1", Name: "calculatorblock", Arguments: `{"a":40,"b":2}`}}, Input: 300, Output: 20}
		case 1: // b is a string: the calculator's input fails its schema
			return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_2", Name: "calculatorblock", Arguments: `{"a":1,"b":"x"}`}}, Input: 300, Output: 20}
		}
		return llmstub.Reply{Chunks: []string{"It is 42"}, Input: 300, Output: 5}
	})
	u := e.user(1000)
	fg := decisionGraph(e, u, 5)
	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"question": "What is 40+2?"})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status, "%v", got.ErrorMessage)
	var outs map[string][]any
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []any{"It is 42"}, outs["finished"])
	require.Empty(t, outs["sum"], "a child's outputs go back to the model, not along its links")

	runs := e.nodeRuns(fg, ex.ID)
	require.Len(t, runs["sdm"], 1)
	require.Len(t, runs["calc"], 2)
	sdm := runs["sdm"][0].ID.String()
	require.Equal(t, model.StatusCompleted, runs["calc"][0].Status)
	require.JSONEq(t, `{"result":[42]}`, string(runs["calc"][0].Outputs))
	require.Equal(t, sdm, runs["calc"][0].Stats.ParentNodeExecutionID)
	require.Equal(t, model.StatusFailed, runs["calc"][1].Status)
	require.Equal(t, sdm, runs["calc"][1].Stats.ParentNodeExecutionID)
	require.Empty(t, runs["sum"])

	// The children's events were published with the run's.
	calcStatuses := 0
	for _, ev := range w.evs[ex.ID.String()] {
		if ev.Kind == events.KindNodeStatus && ev.NodeExecutionID == runs["calc"][0].ID.String() {
			calcStatuses++
		}
	}
	require.GreaterOrEqual(t, calcStatuses, 3, "QUEUED, RUNNING, COMPLETED")

	// The model saw each tool's answer.
	seen := stub.Seen()
	require.Len(t, seen, 3)
	var answers []string
	for _, m := range seen[2].Body["messages"].([]any) {
		if mm := m.(map[string]any); mm["role"] == "tool" {
			answers = append(answers, mm["content"].(string))
		}
	}
	require.Len(t, answers, 2)
	require.JSONEq(t, `{"result":[42]}`, answers[0])
	require.Contains(t, answers[1], "Tool execution failed")
}
