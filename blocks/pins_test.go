package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBasePin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"values":        "values",
		"values_#_a":    "values",
		"items_$_0":     "items",
		"obj_@_x":       "obj",
		"a_#_k_$_1":     "a",
		"round_result":  "round_result",
		"my_value_#_x":  "my_value",
		"weird_#_a_#_b": "weird",
	} {
		require.Equal(t, want, BasePin(in), in)
	}
	require.True(t, IsDynamicPin("items_$_0"))
	require.False(t, IsDynamicPin("items"))
}

func TestMergeDynamicPins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  map[string]any
		err   string
	}{
		{
			name:  "dict",
			input: map[string]any{"values_#_a": "hello", "values_#_b": "world", "format": "{{a}}"},
			want:  map[string]any{"values": map[string]any{"a": "hello", "b": "world"}, "format": "{{a}}"},
		},
		{
			name:  "list ordered by index",
			input: map[string]any{"items_$_10": "k", "items_$_1": "y", "items_$_0": "x", "items_$_2": "z"},
			want:  map[string]any{"items": []any{"x", "y", "z", nil, nil, nil, nil, nil, nil, nil, "k"}},
		},
		{
			name:  "object",
			input: map[string]any{"obj_@_x": 1, "obj_@_y": 2},
			want:  map[string]any{"obj": map[string]any{"x": 1, "y": 2}},
		},
		{
			name:  "merges into an existing default",
			input: map[string]any{"values": map[string]any{"a": 1, "b": 2}, "values_#_b": 3, "items": []any{"p"}, "items_$_1": "q"},
			want:  map[string]any{"values": map[string]any{"a": 1, "b": 3}, "items": []any{"p", "q"}},
		},
		{
			name:  "nested",
			input: map[string]any{"a_#_k_$_1": "y", "a_#_k_$_0": "x"},
			want:  map[string]any{"a": map[string]any{"k": []any{"x", "y"}}},
		},
		{name: "no dynamic pins", input: map[string]any{"a": 1}, want: map[string]any{"a": 1}},
		{name: "nil", input: nil, want: map[string]any{}},
		{name: "bad index", input: map[string]any{"items_$_x": 1}, err: `"items_$_x"`},
		{name: "negative index", input: map[string]any{"items_$_-1": 1}, err: "non-negative"},
		{name: "kind conflict", input: map[string]any{"v_#_a": 1, "v_$_0": 2}, err: "cannot"},
		{name: "base of wrong type", input: map[string]any{"v": "text", "v_#_a": 1}, err: "string"},
		{name: "empty key", input: map[string]any{"v_#_": 1}, err: "empty key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MergeDynamicPins(tt.input)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMergeDynamicPinsDoesNotMutate(t *testing.T) {
	t.Parallel()
	def := map[string]any{"a": 1}
	input := map[string]any{"values": def, "values_#_b": 2}
	_, err := MergeDynamicPins(input)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": 1}, def)
	require.Len(t, input, 2)
}

// PartOf reads a dynamic suffix off a value, nested parts included.
func TestPartOf(t *testing.T) {
	v := map[string]any{"a": map[string]any{"b": []any{1.0, "two"}}, "c": nil}
	for suffix, want := range map[string]any{"_#_a_#_b_$_1": "two", "_@_a_@_b_$_0": 1.0, "_#_c": nil} {
		got, ok := PartOf(v, suffix)
		require.True(t, ok, suffix)
		require.Equal(t, want, got, suffix)
	}
	for _, suffix := range []string{"_#_x", "_$_0", "_#_a_#_b_$_2", "_#_a_#_b_$_-1", "_#_a_#_b_#_k", "x"} {
		_, ok := PartOf(v, suffix)
		require.False(t, ok, suffix)
	}
}
