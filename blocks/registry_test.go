package blocks

import (
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestBuiltinIDsAndNames(t *testing.T) {
	t.Parallel()
	r := Builtin()
	all := r.All()
	require.Len(t, all, len(BuiltinBlocks()), "every built-in block registered")
	ids, names := map[string]bool{}, map[string]bool{}
	for _, b := range all {
		info := b.Info()
		id, err := uuid.Parse(info.ID)
		require.NoError(t, err, info.Name)
		require.Equal(t, id.String(), info.ID, "%s: canonical lowercase UUID", info.Name)
		require.False(t, ids[info.ID], "duplicate id %s", info.ID)
		require.False(t, names[info.Name], "duplicate name %s", info.Name)
		ids[info.ID], names[info.Name] = true, true
		require.NotEmpty(t, info.Description, info.Name)
		require.NotEmpty(t, info.Categories, info.Name)
		require.NotEmpty(t, info.Type, info.Name)
		require.Contains(t, r.OutputPins(info.ID), ErrorPin, info.Name)
	}
	require.True(t, sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Info().Name < all[j].Info().Name }))
	require.Same(t, r, Builtin(), "built once")
}

func TestAutoGPTIDs(t *testing.T) {
	t.Parallel()
	// Graphs exported from AutoGPT reference blocks by these ids.
	for name, id := range map[string]string{
		"AgentInputBlock":       "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b",
		"AgentOutputBlock":      "363ae599-353e-4804-937e-b2ee3cef3da4",
		"StoreValueBlock":       "1ff065e9-88e8-4358-9d82-8dc91f622ba9",
		"CalculatorBlock":       "b1ab9b19-67a6-406d-abf5-2dba76d00c79",
		"ConditionBlock":        "715696a0-e1da-45c8-b209-c2fa9c3b0be6",
		"StepThroughItemsBlock": "f66a3543-28d3-4ab5-8945-9b336371e2ce",
		"FillTextTemplateBlock": "db7d8f02-2f44-4c55-ab7a-eae0941f0c30",
		"MatchTextPatternBlock": "3060088f-6ed9-4928-9ba7-9c92823a7ccd",
		"AgentExecutorBlock":    "e189baac-8c20-45a1-94a7-55177ea42565",
		"SendWebRequestBlock":   "6595ae1f-b924-42cb-9a41-551a0611c4b4",
	} {
		b, ok := Builtin().ByName(name)
		require.True(t, ok, name)
		require.Equal(t, id, b.Info().ID, name)
		byID, ok := Builtin().ByID(id)
		require.True(t, ok)
		require.Same(t, b, byID)
	}
}

func TestRegistryLookupsUnknown(t *testing.T) {
	t.Parallel()
	r := Builtin()
	_, ok := r.ByID("00000000-0000-0000-0000-000000000000")
	require.False(t, ok)
	_, ok = r.ByName("NoSuchBlock")
	require.False(t, ok)
	require.Nil(t, r.InputPins("nope"))
	require.Nil(t, r.OutputPins("nope"))
	require.Nil(t, r.RequiredInputs("nope"))
	require.ErrorContains(t, r.Validate("nope", nil), "unknown block")
}

func blockID(t *testing.T, name string) string {
	t.Helper()
	b, ok := Builtin().ByName(name)
	require.True(t, ok, name)
	return b.Info().ID
}

func TestRequiredInputs(t *testing.T) {
	t.Parallel()
	r := Builtin()
	tests := map[string][]string{
		"CalculatorBlock":       {"operation", "a", "b"},
		"StoreValueBlock":       {"input"},
		"AgentInputBlock":       {"name"},
		"AgentOutputBlock":      {"name"},
		"ConditionBlock":        {"value1", "operator", "value2"},
		"MatchTextPatternBlock": {"text", "match"},
		"FillTextTemplateBlock": {"format"},
		"AgentExecutorBlock":    {"graph_id"},
		"SendWebRequestBlock":   {"url"},
		"StepThroughItemsBlock": nil,
	}
	for name, want := range tests {
		require.Equal(t, want, r.RequiredInputs(blockID(t, name)), name)
	}
}

func TestPins(t *testing.T) {
	t.Parallel()
	r := Builtin()
	calc := blockID(t, "CalculatorBlock")
	require.Equal(t, []string{"operation", "a", "b", "round_result"}, r.InputPins(calc))
	require.Equal(t, []string{"result", "error"}, r.OutputPins(calc))
	require.Equal(t, map[string]any{"round_result": false}, r.InputDefaults(calc))

	cond := blockID(t, "ConditionBlock")
	require.Equal(t, []string{"result", "yes_output", "no_output", "error"}, r.OutputPins(cond))

	tmpl := blockID(t, "FillTextTemplateBlock")
	require.True(t, r.HasInputPin(tmpl, "values_#_a"))
	require.True(t, r.HasInputPin(tmpl, "format"))
	require.False(t, r.HasInputPin(tmpl, "nonexistent"))
	require.False(t, r.HasOutputPin(tmpl, "nonexistent"))
	require.True(t, r.HasOutputPin(tmpl, "error"))

	agent := blockID(t, "AgentExecutorBlock")
	require.True(t, r.HasOutputPin(agent, "whatever_the_child_outputs"), "open outputs")
	require.False(t, r.HasInputPin(agent, "whatever"))
	require.False(t, r.HasInputPin("nope", "x"))
}

func TestValidate(t *testing.T) {
	t.Parallel()
	r := Builtin()
	calc := blockID(t, "CalculatorBlock")
	tests := []struct {
		name  string
		input map[string]any
		want  []string // substrings of the error; none = valid
	}{
		{"valid", map[string]any{"operation": "Add", "a": 1, "b": 2.5}, nil},
		{"extra pins allowed", map[string]any{"operation": "Add", "a": 1, "b": 2, "extra": true}, nil},
		{"wrong type", map[string]any{"operation": "Add", "a": "one", "b": 2}, []string{`"a"`, "string", "number"}},
		{"bad enum", map[string]any{"operation": "Modulo", "a": 1, "b": 2}, []string{`"operation"`}},
		{"missing", map[string]any{"operation": "Add", "a": 1}, []string{`"b"`, "missing"}},
		{"two problems", map[string]any{"operation": "Add", "a": "x", "b": "y"}, []string{`"a"`, `"b"`}},
		{"nil input", nil, []string{`"operation"`, `"a"`, `"b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := r.Validate(calc, tt.input)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), "CalculatorBlock")
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestValidateNestedField(t *testing.T) {
	t.Parallel()
	err := Builtin().Validate(blockID(t, "CombineTextsBlock"), map[string]any{"input": []any{"a", 2}})
	require.ErrorContains(t, err, `"input.1"`)
}

func TestNewRegistryRejectsBadBlocks(t *testing.T) {
	t.Parallel()
	dupID := Define[noteIn, noteOut](Info{ID: NoteBlock().Info().ID, Name: "OtherBlock"}, nil)
	badID := Define[noteIn, noteOut](Info{ID: "not-a-uuid", Name: "BadBlock"}, nil)
	upper := Define[noteIn, noteOut](Info{ID: "CC10FF7B-7753-4FF2-9AF6-9399B1A7EDDD", Name: "UpperBlock"}, nil)
	r, err := NewRegistry(NoteBlock(), NoteBlock(), dupID, badID, upper)
	require.Error(t, err)
	for _, want := range []string{"duplicate id", "duplicate id", "not-a-uuid", "UpperBlock"} {
		require.Contains(t, err.Error(), want)
	}
	require.Len(t, r.All(), 1, "the valid block is still indexed")
}
