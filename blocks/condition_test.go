package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConditionBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []output
		err   string
	}{
		{
			name:  "yes branch only",
			input: map[string]any{"value1": 5, "operator": ">", "value2": 3, "yes_value": "big", "no_value": "small"},
			want:  outs("result", true, "yes_output", "big"),
		},
		{
			name:  "no branch only",
			input: map[string]any{"value1": 1, "operator": ">", "value2": 3, "yes_value": "big", "no_value": "small"},
			want:  outs("result", false, "no_output", "small"),
		},
		{
			name:  "branch values default to value1",
			input: map[string]any{"value1": 1, "operator": "<", "value2": 3},
			want:  outs("result", true, "yes_output", 1.0),
		},
		{
			name:  "no_value defaults to value1",
			input: map[string]any{"value1": 4, "operator": "<=", "value2": 3},
			want:  outs("result", false, "no_output", 4.0),
		},
		{name: "numbers numerically", input: map[string]any{"value1": 10, "operator": ">", "value2": 9}, want: outs("result", true, "yes_output", 10.0)},
		{name: "int equals float", input: map[string]any{"value1": 3, "operator": "==", "value2": 3.0}, want: outs("result", true, "yes_output", 3.0)},
		{name: "numeric string vs number", input: map[string]any{"value1": "10", "operator": ">=", "value2": 9}, want: outs("result", true, "yes_output", "10")},
		{name: "strings lexically", input: map[string]any{"value1": "10", "operator": "<", "value2": "9"}, want: outs("result", true, "yes_output", "10")},
		{name: "string inequality", input: map[string]any{"value1": "a", "operator": "!=", "value2": "b"}, want: outs("result", true, "yes_output", "a")},
		{name: "deep equality", input: map[string]any{"value1": []any{1, "x"}, "operator": "==", "value2": []any{1.0, "x"}}, want: outs("result", true, "yes_output", []any{1.0, "x"})},
		{name: "bool equality", input: map[string]any{"value1": true, "operator": "==", "value2": false}, want: outs("result", false, "no_output", true)},
		{name: "null equality", input: map[string]any{"value1": nil, "operator": "==", "value2": nil, "yes_value": "both null"}, want: outs("result", true, "yes_output", "both null")},
		{name: "no order for lists", input: map[string]any{"value1": []any{1}, "operator": ">", "value2": 1}, err: "cannot order list and number"},
		{name: "no order for bool and string", input: map[string]any{"value1": true, "operator": "<", "value2": "x"}, err: "cannot order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := run(t, "ConditionBlock", tt.input)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestConditionRejectsUnknownOperator(t *testing.T) {
	t.Parallel()
	err := Builtin().Validate(blockID(t, "ConditionBlock"), map[string]any{"value1": 1, "operator": "=~", "value2": 2})
	require.ErrorContains(t, err, `"operator"`)
	_, err = evaluate(1, "=~", 2)
	require.ErrorContains(t, err, "unknown operator")
}
