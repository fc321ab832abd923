package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateListBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("list", []any{"Alice", 25.0, true}), mustRun(t, "CreateListBlock", map[string]any{"values": []any{"Alice", 25, true}}))
	require.Equal(t, outs("list", []any{"x", "y"}), mustRun(t, "CreateListBlock", map[string]any{"values_$_1": "y", "values_$_0": "x"}))
	require.Equal(t, outs("list", []any{}), mustRun(t, "CreateListBlock", map[string]any{"values": []any{}}))
	require.Equal(t, outs("list", []any{1.0, 2.0}, "list", []any{3.0, 4.0}, "list", []any{5.0}),
		mustRun(t, "CreateListBlock", map[string]any{"values": []any{1, 2, 3, 4, 5}, "max_size": 2}))
}

func TestAddToListBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []any
	}{
		// AutoGPT's own test cases.
		{"insert at position", map[string]any{"list": []any{1, "string", map[string]any{"k": "v"}}, "entry": map[string]any{"n": "v"}, "position": 1},
			[]any{1.0, map[string]any{"n": "v"}, "string", map[string]any{"k": "v"}}},
		{"new list", map[string]any{"entry": "first"}, []any{"first"}},
		{"append", map[string]any{"list": []any{"a", "b", "c"}, "entry": "d"}, []any{"a", "b", "c", "d"}},
		{"entries then entry", map[string]any{"entry": "e", "entries": []any{"f", "g"}, "list": []any{"a", "b"}, "position": 1}, []any{"a", "f", "g", "e", "b"}},
		{"negative position", map[string]any{"list": []any{"a", "b", "c"}, "entry": "x", "position": -1}, []any{"a", "b", "x", "c"}},
		{"position past the end", map[string]any{"list": []any{"a"}, "entry": "x", "position": 9}, []any{"a", "x"}},
		{"nothing to add", map[string]any{"list": []any{"a"}}, []any{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("updated_list", tt.want), mustRun(t, "AddToListBlock", tt.input))
		})
	}
}

func TestFindInListBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("index", 2.0, "found", true), mustRun(t, "FindInListBlock", map[string]any{"list": []any{1, 2, 3, 4, 5}, "value": 3.0}))
	require.Equal(t, outs("found", false, "not_found_value", 6.0), mustRun(t, "FindInListBlock", map[string]any{"list": []any{1, 2, 3}, "value": 6}))
	require.Equal(t, outs("index", 1.0, "found", true), mustRun(t, "FindInListBlock", map[string]any{"list": []any{"a", map[string]any{"k": 1}}, "value": map[string]any{"k": 1.0}}))
}

func TestGetListItemBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("item", 2.0), mustRun(t, "GetListItemBlock", map[string]any{"list": []any{1, 2, 3}, "index": 1}))
	require.Equal(t, outs("item", 3.0), mustRun(t, "GetListItemBlock", map[string]any{"list": []any{1, 2, 3}, "index": -1}))
	for _, i := range []int{3, -4} {
		_, err := run(t, "GetListItemBlock", map[string]any{"list": []any{1, 2, 3}, "index": i})
		require.ErrorContains(t, err, "out of range")
	}
}
