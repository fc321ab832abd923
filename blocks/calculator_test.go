package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCalculatorBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op    string
		a, b  any
		round bool
		want  float64
		err   string
	}{
		{op: "Add", a: 10, b: 5, want: 15},
		{op: "Add", a: 3.0, b: 10, want: 13},
		{op: "Subtract", a: 1, b: 2.5, want: -1.5},
		{op: "Multiply", a: 3, b: 2, want: 6},
		{op: "Divide", a: 7, b: 2, want: 3.5},
		{op: "Divide", a: 7, b: 2, round: true, want: 4},
		{op: "Divide", a: 5, b: 2, round: true, want: 2}, // Python rounds half to even
		{op: "Power", a: 3, b: 2, want: 9},
		{op: "Power", a: 2, b: -1, want: 0.5},
		{op: "Divide", a: 1, b: 0, err: "divide by zero"},
		{op: "Power", a: -8, b: 0.5, err: "no finite result"},
		{op: "Power", a: 10, b: 400, err: "no finite result"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			t.Parallel()
			got, err := run(t, "CalculatorBlock", map[string]any{"operation": tt.op, "a": tt.a, "b": tt.b, "round_result": tt.round})
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, outs("result", tt.want), got)
		})
	}
}

func TestCalculatorUnknownOperation(t *testing.T) {
	t.Parallel()
	_, err := calculate("Modulo", 1, 2)
	require.ErrorContains(t, err, "Modulo")
}
