package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStepThroughItemsBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []output
	}{
		{"list: pair by pair, in order", map[string]any{"items": []any{1, 2, map[string]any{"k": "v"}}},
			outs("item", 1.0, "key", 0.0, "item", 2.0, "key", 1.0, "item", map[string]any{"k": "v"}, "key", 2.0)},
		{"dict: key is the dict key, keys sorted", map[string]any{"items": map[string]any{"b": 2, "a": 1}},
			outs("item", 1.0, "key", "a", "item", 2.0, "key", "b")},
		{"items_object", map[string]any{"items_object": map[string]any{"x": "y"}}, outs("item", "y", "key", "x")},
		{"items_str list", map[string]any{"items_str": `["p", "q"]`}, outs("item", "p", "key", 0.0, "item", "q", "key", 1.0)},
		{"dynamic list pins", map[string]any{"items_$_1": "y", "items_$_0": "x"}, outs("item", "x", "key", 0.0, "item", "y", "key", 1.0)},
		{"every source in order", map[string]any{"items": []any{1}, "items_object": map[string]any{"k": 2}, "items_str": "[3]"},
			outs("item", 1.0, "key", 0.0, "item", 2.0, "key", "k", "item", 3.0, "key", 0.0)},
		{"nothing", map[string]any{}, nil},
		{"empty list", map[string]any{"items": []any{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, mustRun(t, "StepThroughItemsBlock", tt.input))
		})
	}
}

func TestStepThroughItemsErrors(t *testing.T) {
	t.Parallel()
	_, err := run(t, "StepThroughItemsBlock", map[string]any{"items_str": "[1,"})
	require.ErrorContains(t, err, "items_str")
	_, err = run(t, "StepThroughItemsBlock", map[string]any{"items_str": `"just text"`})
	require.ErrorContains(t, err, "cannot iterate over a string")
	err = Builtin().Validate(blockID(t, "StepThroughItemsBlock"), map[string]any{"items": "abc"})
	require.ErrorContains(t, err, `"items"`)
}

func TestStepThroughItemsStopsWhenEmitFails(t *testing.T) {
	t.Parallel()
	b, _ := Builtin().ByName("StepThroughItemsBlock")
	n := 0
	err := b.Run(t.Context(), nil, map[string]any{"items": []any{1, 2, 3}}, func(string, any) error {
		n++
		if n == 3 {
			return errStop
		}
		return nil
	})
	require.ErrorIs(t, err, errStop)
	require.Equal(t, 3, n)
}
