package blocks

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// AutoGPT's typed inputs keep its ids (exports name blocks by them).
func TestInputFamilyIDs(t *testing.T) {
	t.Parallel()
	for name, id := range map[string]string{
		"AgentShortTextInputBlock": "7fcd3bcb-8e1b-4e69-903d-32d3d4a92158",
		"AgentLongTextInputBlock":  "90a56ffb-7024-4b2b-ab50-e26c5e5ab8ba",
		"AgentNumberInputBlock":    "96dae2bb-97a2-41c2-bd2f-13a3b5a8ea98",
		"AgentDropdownInputBlock":  "655d6fdf-a334-421c-b733-520549c07cd1",
		"AgentToggleInputBlock":    "cbf36ab5-df4a-43b6-8a7f-f7ed8652116e",
		"AgentDateInputBlock":      "7e198b09-4994-47db-8b4d-952d98241817",
		"AgentTimeInputBlock":      "2a1c757e-86cf-4c7e-aacf-060dc382e434",
		"AgentTableInputBlock":     "5603b273-f41e-4020-af7d-fbc9c6a8d928",
	} {
		require.Equal(t, id, blockID(t, name), name)
		b, _ := Builtin().ByID(id)
		require.Equal(t, TypeInput, b.Info().Type, "%s is a graph input", name)
		require.Equal(t, []string{"name"}, Builtin().RequiredInputs(id), name)
		for _, pin := range []string{"name", "value", "title", "description", "placeholder_values", "advanced", "secret"} {
			require.True(t, Builtin().HasInputPin(id, pin), "%s has AutoGPT's pin %s", name, pin)
		}
		require.Equal(t, []string{"result", "error"}, Builtin().OutputPins(id), name)
	}
	require.True(t, Builtin().HasInputPin(blockID(t, "AgentDropdownInputBlock"), "options"))
	require.True(t, Builtin().HasInputPin(blockID(t, "AgentTableInputBlock"), "column_headers"))
	for _, pin := range []string{"value", "name", "title", "description", "format", "escape_html", "advanced", "secret"} {
		require.True(t, Builtin().HasInputPin(blockID(t, "AgentOutputBlock"), pin), "AgentOutputBlock has AutoGPT's pin %s", pin)
	}
	require.Equal(t, []string{"output", "error"}, Builtin().OutputPins(blockID(t, "AgentOutputBlock")))
}

func TestInputFamilyYieldsItsValue(t *testing.T) {
	t.Parallel()
	table := []any{map[string]any{"Name": "John", "Age": "30"}}
	for _, tt := range []struct {
		block string
		value any
		want  any
	}{
		{"AgentShortTextInputBlock", "Hello", "Hello"},
		{"AgentLongTextInputBlock", "line 1\nline 2", "line 1\nline 2"},
		{"AgentNumberInputBlock", 42, 42.0},
		{"AgentNumberInputBlock", 42.0, 42.0},
		{"AgentDropdownInputBlock", "Option A", "Option A"},
		{"AgentToggleInputBlock", true, true},
		{"AgentDateInputBlock", "2025-03-19", "2025-03-19"},
		{"AgentTimeInputBlock", "09:30:00", "09:30:00"},
		{"AgentTimeInputBlock", "23:59", "23:59:00"},
		{"AgentTimeInputBlock", "09:30:00.5", "09:30:00.500000"},
		{"AgentTableInputBlock", table, table},
	} {
		require.Equal(t, outs("result", tt.want), mustRun(t, tt.block, map[string]any{"name": "x", "value": tt.value}), "%s %v", tt.block, tt.value)
	}
	// Without a value an input yields nothing (an optional input left out
	// does not trigger its consumers), except where AutoGPT's yields its
	// default: a toggle false, a table an empty list.
	for _, name := range []string{"AgentShortTextInputBlock", "AgentLongTextInputBlock", "AgentNumberInputBlock",
		"AgentDropdownInputBlock", "AgentDateInputBlock", "AgentTimeInputBlock"} {
		require.Empty(t, mustRun(t, name, map[string]any{"name": "x"}), name)
	}
	require.Equal(t, outs("result", false), mustRun(t, "AgentToggleInputBlock", map[string]any{"name": "x"}))
	require.Equal(t, outs("result", []any{}), mustRun(t, "AgentTableInputBlock", map[string]any{"name": "x"}))
}

func TestInputFamilyRefusals(t *testing.T) {
	t.Parallel()
	r := Builtin()
	// Types are the block's input schema's: refused before the node runs.
	for _, tt := range []struct {
		block string
		value any
	}{
		{"AgentNumberInputBlock", 2.5},
		{"AgentNumberInputBlock", "3"},
		{"AgentShortTextInputBlock", 3},
		{"AgentToggleInputBlock", "yes"},
		{"AgentTableInputBlock", []any{"not a row"}},
		{"AgentDateInputBlock", 20250319},
	} {
		require.Error(t, r.Validate(blockID(t, tt.block), map[string]any{"name": "x", "value": tt.value}), "%s %v", tt.block, tt.value)
	}
	// Formats are checked when the block runs.
	_, err := run(t, "AgentDateInputBlock", map[string]any{"name": "x", "value": "19/03/2025"})
	require.ErrorContains(t, err, `"19/03/2025" is not a date (YYYY-MM-DD)`)
	_, err = run(t, "AgentDateInputBlock", map[string]any{"name": "x", "value": "2025-02-30"})
	require.ErrorContains(t, err, "is not a date")
	_, err = run(t, "AgentTimeInputBlock", map[string]any{"name": "x", "value": "25:00"})
	require.ErrorContains(t, err, `"25:00" is not a time`)

	// Choices: a dropdown's options (or, in older exports, its
	// placeholder_values), and any input's placeholder_values.
	opts := []any{"Option A", "Option B"}
	require.Equal(t, outs("result", "Option B"), mustRun(t, "AgentDropdownInputBlock", map[string]any{"name": "x", "value": "Option B", "options": opts}))
	_, err = run(t, "AgentDropdownInputBlock", map[string]any{"name": "x", "value": "Option C", "options": opts})
	require.ErrorContains(t, err, `"Option C" is not one of the options ["Option A","Option B"]`)
	_, err = run(t, "AgentDropdownInputBlock", map[string]any{"name": "x", "value": "Option C", "placeholder_values": opts})
	require.ErrorContains(t, err, "is not one of the options")
	require.Equal(t, outs("result", "free"), mustRun(t, "AgentDropdownInputBlock", map[string]any{"name": "x", "value": "free"}), "no options: free text")
	require.Equal(t, outs("result", 314.0), mustRun(t, "AgentNumberInputBlock", map[string]any{"name": "x", "value": 314, "placeholder_values": []any{314.0, 2718}}))
	_, err = run(t, "AgentInputBlock", map[string]any{"name": "x", "value": "hunter2", "placeholder_values": []any{"a"}, "secret": true})
	require.ErrorContains(t, err, "the value is not one of the options")
	require.NotContains(t, err.Error(), "hunter2", "a secret is never quoted")
}

func TestGraphField(t *testing.T) {
	t.Parallel()
	r := Builtin()
	field := func(block string, defaults map[string]any) GraphField {
		t.Helper()
		f, ok := r.GraphField(blockID(t, block), defaults)
		require.True(t, ok, block)
		return f
	}

	// AutoGPT's calculator agent: an untyped input without a value is required.
	f := field("AgentInputBlock", map[string]any{"name": "Input", "secret": false, "advanced": false})
	require.Equal(t, GraphField{Name: "Input", Required: true,
		Schema: map[string]any{"title": "Input", "secret": false, "advanced": false}}, f)

	f = field("AgentShortTextInputBlock", map[string]any{"name": "topic", "title": "Topic", "description": "What to write about",
		"value": "Go", "advanced": true})
	require.False(t, f.Required)
	require.Equal(t, map[string]any{"type": "string", "format": "short-text", "title": "Topic", "description": "What to write about",
		"default": "Go", "secret": false, "advanced": true}, f.Schema)
	require.False(t, field("AgentShortTextInputBlock", map[string]any{"name": "t", "advanced": true}).Schema["advanced"].(bool),
		"only an input with a value may be advanced")

	// Choices become the enum: options first, else placeholder_values.
	f = field("AgentDropdownInputBlock", map[string]any{"name": "tone", "options": []any{"formal", "casual"}, "placeholder_values": []any{"x"}})
	require.Equal(t, []any{"formal", "casual"}, f.Schema["enum"])
	require.Equal(t, "string", f.Schema["type"])
	require.NoError(t, f.Check("casual"))
	require.ErrorContains(t, f.Check("rude"), `"rude" is not one of the options ["formal","casual"]`)
	f = field("AgentInputBlock", map[string]any{"name": "n", "placeholder_values": []any{1.0, 2.0}})
	require.Equal(t, []any{1.0, 2.0}, f.Schema["enum"])
	require.NoError(t, f.Check(2))

	// A secret is writeOnly and its default never shown; refusals do not quote it.
	f = field("AgentInputBlock", map[string]any{"name": "key", "value": "sk-123", "secret": true, "placeholder_values": []any{"a"}})
	require.Equal(t, map[string]any{"title": "key", "secret": true, "advanced": false, "writeOnly": true, "enum": []any{"a"}}, f.Schema)
	require.False(t, f.Required, "it has a value")
	require.True(t, f.Secret)
	require.NotContains(t, f.Check("hunter2").Error(), "hunter2")

	// Typed inputs say their type; a toggle always has a value.
	require.Equal(t, "integer", field("AgentNumberInputBlock", map[string]any{"name": "n"}).Schema["type"])
	tog := field("AgentToggleInputBlock", map[string]any{"name": "on"})
	require.False(t, tog.Required)
	require.Equal(t, false, tog.Schema["default"])
	require.Equal(t, "boolean", tog.Schema["type"])
	date := field("AgentDateInputBlock", map[string]any{"name": "d"})
	require.Equal(t, "date", date.Schema["format"])
	require.NoError(t, date.Check("2024-02-29"))
	require.ErrorContains(t, date.Check("2023-02-29"), "is not a date")
	require.ErrorContains(t, field("AgentTimeInputBlock", map[string]any{"name": "t"}).Check("noon"), "is not a time")

	// A table's rows have its columns (AutoGPT's defaults when none are set).
	tbl := field("AgentTableInputBlock", map[string]any{"name": "people", "column_headers": []any{"Name", "Age"}})
	require.Equal(t, "array", tbl.Schema["type"])
	require.Equal(t, "table", tbl.Schema["format"])
	require.Equal(t, map[string]any{"type": "object", "properties": map[string]any{
		"Name": map[string]any{"type": "string"}, "Age": map[string]any{"type": "string"}}}, tbl.Schema["items"])
	tbl = field("AgentTableInputBlock", map[string]any{"name": "people"})
	require.Len(t, tbl.Schema["items"].(map[string]any)["properties"], 3)

	// Outputs too (the graph's output schema).
	f = field("AgentOutputBlock", map[string]any{"name": "Output", "secret": true, "advanced": false, "escape_html": false})
	require.Equal(t, GraphField{Name: "Output", Required: true, Secret: true,
		Schema: map[string]any{"title": "Output", "secret": true, "advanced": false, "writeOnly": true}}, f)

	// Not a graph input or output, or no name: no field.
	_, ok := r.GraphField(blockID(t, "StoreValueBlock"), map[string]any{"name": "x"})
	require.False(t, ok)
	_, ok = r.GraphField(blockID(t, "AgentInputBlock"), map[string]any{"value": 1})
	require.False(t, ok)
	_, ok = r.GraphField("nope", map[string]any{"name": "x"})
	require.False(t, ok)
}

// AgentInputBlock, in almost every graph, keeps the engine's direct decoding
// (no JSON round trip) and the same pins as its typed siblings.
func TestAgentInputBlockDecodesDirectly(t *testing.T) {
	t.Parallel()
	require.NotNil(t, newDecodePlan(reflect.TypeFor[agentInputIn]()))
	require.Equal(t, Builtin().InputPins(blockID(t, "AgentShortTextInputBlock")), Builtin().InputPins(blockID(t, "AgentInputBlock")))
	b, _ := Builtin().ByName("AgentInputBlock")
	in, err := decodeInput[agentInputIn](map[string]any{"name": "x", "secret": true, "placeholder_values": []any{"a"}}, nil, newDecodePlan(reflect.TypeFor[agentInputIn]()))
	require.NoError(t, err)
	require.Equal(t, inputHints{Secret: true, PlaceholderValues: []any{"a"}}, in.hints())
	require.Equal(t, TypeInput, b.Info().Type)
}
