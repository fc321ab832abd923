package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRandomNumberBlock(t *testing.T) {
	t.Parallel()
	for range 50 {
		got := mustRun(t, "RandomNumberBlock", map[string]any{"min": 2, "max": 4, "integer": true})
		require.Len(t, got, 1)
		n := got[0].Value.(float64)
		require.Contains(t, []float64{2, 3, 4}, n)

		got = mustRun(t, "RandomNumberBlock", map[string]any{})
		f := got[0].Value.(float64)
		require.GreaterOrEqual(t, f, 0.0)
		require.Less(t, f, 1.0)
	}
	require.Equal(t, outs("number", 5.0), mustRun(t, "RandomNumberBlock", map[string]any{"min": 5, "max": 5, "integer": true}))
}

func TestRandomNumberBlockErrors(t *testing.T) {
	t.Parallel()
	_, err := run(t, "RandomNumberBlock", map[string]any{"min": 3, "max": 1})
	require.ErrorContains(t, err, "greater than max")
	_, err = run(t, "RandomNumberBlock", map[string]any{"min": 1.2, "max": 1.8, "integer": true})
	require.ErrorContains(t, err, "no whole number")
}
