package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateDictionaryBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("dictionary", map[string]any{"name": "Alice", "age": 25.0}), mustRun(t, "CreateDictionaryBlock", map[string]any{"values": map[string]any{"name": "Alice", "age": 25}}))
	require.Equal(t, outs("dictionary", map[string]any{"a": 1.0}), mustRun(t, "CreateDictionaryBlock", map[string]any{"values_#_a": 1}))
}

func TestAddToDictionaryBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  map[string]any
	}{
		{"add", map[string]any{"dictionary": map[string]any{"k": "v"}, "key": "n", "value": "w"}, map[string]any{"k": "v", "n": "w"}},
		{"new", map[string]any{"key": "first", "value": 1}, map[string]any{"first": 1.0}},
		{"entries", map[string]any{"dictionary": map[string]any{"k": "v"}, "entries": map[string]any{"a": 1, "b": 2}}, map[string]any{"k": "v", "a": 1.0, "b": 2.0}},
		{"null value ignored", map[string]any{"key": "k", "value": nil}, map[string]any{}},
		{"entries override key", map[string]any{"key": "k", "value": 1, "entries": map[string]any{"k": 2}}, map[string]any{"k": 2.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("updated_dictionary", tt.want), mustRun(t, "AddToDictionaryBlock", tt.input))
		})
	}
}

func TestFindInDictionaryBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []output
	}{
		// AutoGPT's own test cases.
		{"key", map[string]any{"input": map[string]any{"apple": 1, "banana": 2}, "key": "banana"}, outs("output", 2.0)},
		{"missing key", map[string]any{"input": map[string]any{"x": 10}, "key": "w"}, outs("missing", map[string]any{"x": 10.0})},
		{"list index", map[string]any{"input": []any{1, 2, 3}, "key": 1}, outs("output", 2.0)},
		{"list index out of range", map[string]any{"input": []any{1, 2, 3}, "key": 3}, outs("missing", []any{1.0, 2.0, 3.0})},
		{"pluck from list of dicts", map[string]any{"input": []any{map[string]any{"k1": "v1"}, map[string]any{"k2": "v2"}, map[string]any{"k1": "v3"}}, "key": "k1"}, outs("output", []any{"v1", "v3"})},
		{"JSON text", map[string]any{"input": `{"a": {"b": 1}}`, "key": "a"}, outs("output", map[string]any{"b": 1.0})},
		{"integer key on dict", map[string]any{"input": map[string]any{"1": "one"}, "key": 1}, outs("output", "one")},
		{"scalar input", map[string]any{"input": 5, "key": "a"}, outs("missing", 5.0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, mustRun(t, "FindInDictionaryBlock", tt.input))
		})
	}
	err := Builtin().Validate(blockID(t, "FindInDictionaryBlock"), map[string]any{"input": map[string]any{}, "key": true})
	require.ErrorContains(t, err, `"key"`)
}
