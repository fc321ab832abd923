package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// AutoGPT's typed inputs are graph inputs like AgentInputBlock: the run's
// inputs feed them by name, their defaults stand in for inputs not given
// (a toggle's is false), and a run's input is refused at submit when it
// does not fit (a type, an option, a date), never quoting a secret.
func TestInputFamilyFeedsARun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	in := func(key, block string, defaults map[string]any) nspec {
		defaults["name"] = key
		return nspec{Key: key, Block: block, Defaults: defaults}
	}
	nodes := []nspec{
		in("topic", "AgentShortTextInputBlock", map[string]any{}),
		in("count", "AgentNumberInputBlock", map[string]any{}),
		in("tone", "AgentDropdownInputBlock", map[string]any{"options": []any{"formal", "casual"}, "value": "formal"}),
		in("loud", "AgentToggleInputBlock", map[string]any{}),
		in("day", "AgentDateInputBlock", map[string]any{}),
		in("at", "AgentTimeInputBlock", map[string]any{"value": "09:30"}),
		in("rows", "AgentTableInputBlock", map[string]any{"column_headers": []any{"Name"}}),
		in("notes", "AgentLongTextInputBlock", map[string]any{"value": "none"}),
		{Key: "fill", Block: "FillTextTemplateBlock", Defaults: map[string]any{
			"format": "{{topic}} x{{count}} {{tone}} {{loud}} {{day}} {{at}} {{rows.0.Name}} {{notes}}"}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "text"}},
	}
	var links []lspec
	for _, n := range nodes[:8] {
		links = append(links, lspec{Source: n.Key, SourceName: "result", Sink: "fill", SinkName: "values_#_" + n.Key})
	}
	links = append(links, lspec{Source: "fill", SourceName: "output", Sink: "out", SinkName: "value"})
	fg := e.graph(u, nodes, links)

	w := e.watch(fg.ID)
	ex := e.submit(u, fg, map[string]any{"topic": "Go", "count": 3, "day": "2025-03-19", "rows": []any{map[string]any{"Name": "Ann"}}})
	got := w.until(ex.ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	var outs map[string][]any
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []any{"Go x3 formal false 2025-03-19 09:30:00 Ann none"}, outs["text"])

	ctx := context.Background()
	for _, tt := range []struct {
		inputs map[string]any
		field  string
		says   string
	}{
		{map[string]any{"count": 1, "day": "2025-03-19", "rows": []any{}}, "inputs.topic", `required input "topic" is missing`},
		{map[string]any{"topic": "Go", "count": 1, "day": "2025-03-19", "rows": []any{}, "tone": "rude"}, "inputs.tone", `"rude" is not one of the options ["formal","casual"]`},
		{map[string]any{"topic": "Go", "count": 2.5, "day": "2025-03-19", "rows": []any{}}, "inputs.count", "integer"},
		{map[string]any{"topic": "Go", "count": 1, "day": "2025-13-01", "rows": []any{}}, "inputs.day", `"2025-13-01" is not a date`},
		{map[string]any{"topic": "Go", "count": 1, "day": "2025-03-19", "rows": []any{}, "at": "noon"}, "inputs.at", `"noon" is not a time`},
	} {
		_, err := e.eng.Submit(ctx, u.ID, fg.ID, 0, tt.inputs, model.UserContext{})
		var ie *model.InputError
		require.ErrorAs(t, err, &ie, "%v", tt.inputs)
		require.Equal(t, tt.field, ie.Field)
		require.Contains(t, ie.Error(), tt.says)
	}

	secret := e.graph(u, []nspec{
		in("key", "AgentInputBlock", map[string]any{"secret": true, "placeholder_values": []any{"a", "b"}}),
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "k"}},
	}, []lspec{{Source: "key", SourceName: "result", Sink: "out", SinkName: "value"}})
	_, err := e.eng.Submit(ctx, u.ID, secret.ID, 0, map[string]any{"key": "hunter2"}, model.UserContext{})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "inputs.key", ie.Field)
	require.NotContains(t, ie.Error(), "hunter2")
}

// A run's input given as null is an input not given: a required one is
// missing (at submit and when a schedule's inputs are checked), and one
// with a value of its own runs with that value.
func TestNullInputIsNotGiven(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	u := e.user(0)
	fg := e.graph(u, []nspec{
		{Key: "x", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}},
		{Key: "y", Block: "AgentInputBlock", Defaults: map[string]any{"name": "y", "value": "dflt"}},
		{Key: "fill", Block: "FillTextTemplateBlock", Defaults: map[string]any{"format": "{{x}} {{y}}"}},
		{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "text"}},
	}, []lspec{
		{Source: "x", SourceName: "result", Sink: "fill", SinkName: "values_#_x"},
		{Source: "y", SourceName: "result", Sink: "fill", SinkName: "values_#_y"},
		{Source: "fill", SourceName: "output", Sink: "out", SinkName: "value"},
	})
	ctx := context.Background()
	_, err := e.eng.Submit(ctx, u.ID, fg.ID, 0, map[string]any{"x": nil}, model.UserContext{})
	var ie *model.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "inputs.x", ie.Field)
	require.Contains(t, ie.Error(), `required input "x" is missing`)
	_, err = e.eng.CheckInputs(ctx, u.ID, fg.ID, 0, map[string]any{"x": nil, "y": "b"})
	require.ErrorAs(t, err, &ie, "a schedule's inputs")
	require.Equal(t, "inputs.x", ie.Field)

	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, map[string]any{"x": "a", "y": nil}).ID, nil)
	require.Equal(t, model.StatusCompleted, got.Status)
	var outs map[string][]any
	require.NoError(t, json.Unmarshal(got.Outputs, &outs))
	require.Equal(t, []any{"a dflt"}, outs["text"], "null stands for the input's own value")
}
