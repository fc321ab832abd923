package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCountItems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want float64
	}{
		{[]any{1, 2, 3, 4, 5}, 5},
		{map[string]any{"a": 1, "b": 2}, 2},
		{"héllo", 5}, // characters, not bytes
		{"", 0},
		{[]any{}, 0},
		{42, -1}, // AutoGPT's answer for what is no collection
		{true, -1},
		{nil, -1},
	} {
		require.Equal(t, outs("count", tc.want), mustRun(t, "CountItemsBlock", map[string]any{"collection": tc.in}), "%v", tc.in)
	}
}

func TestRemoveFromList(t *testing.T) {
	t.Parallel()
	list := []any{"a", "b", 3, "b"}
	require.Equal(t, outs("updated_list", []any{"a", 3.0, "b"}, "removed_item", "b"),
		mustRun(t, "RemoveFromListBlock", map[string]any{"list": list, "index": 1, "return_item": true}))
	require.Equal(t, outs("updated_list", []any{"a", "b", 3.0}),
		mustRun(t, "RemoveFromListBlock", map[string]any{"list": list, "index": -1}), "negative index from the end")
	require.Equal(t, outs("updated_list", []any{"a", 3.0, "b"}),
		mustRun(t, "RemoveFromListBlock", map[string]any{"list": list, "value": "b"}), "first occurrence only")
	require.Equal(t, outs("updated_list", []any{"a", "b", "b"}, "removed_item", 3.0),
		mustRun(t, "RemoveFromListBlock", map[string]any{"list": list, "value": 3.0, "return_item": true}), "3 equals 3.0")
	require.Equal(t, outs("updated_list", []any{"b", 3.0, "b"}),
		mustRun(t, "RemoveFromListBlock", map[string]any{"list": list, "index": 0, "value": "b"}), "index wins over value")
	require.Equal(t, []any{"a", "b", 3, "b"}, list, "the input list is not changed")

	for name, in := range map[string]map[string]any{
		"index 4 out of range":     {"list": list, "index": 4},
		"index -5 out of range":    {"list": list, "index": -5},
		`value "z" is not in the`:  {"list": list, "value": "z"},
		"no index or value":        {"list": list},
		"index 0 out of range for": {"list": []any{}, "index": 0},
	} {
		got, err := run(t, "RemoveFromListBlock", in)
		require.ErrorContains(t, err, name)
		require.Empty(t, got)
	}
}

func TestListIsEmpty(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("is_empty", true), mustRun(t, "ListIsEmptyBlock", map[string]any{"list": []any{}}))
	require.Equal(t, outs("is_empty", false), mustRun(t, "ListIsEmptyBlock", map[string]any{"list": []any{nil}}))
	require.ErrorContains(t, Builtin().Validate(blockID(t, "ListIsEmptyBlock"), map[string]any{"list": "abc"}), "list")
}
