package blocks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var errStop = errors.New("stop")

func TestWaitBlock(t *testing.T) {
	t.Parallel()
	start := time.Now()
	require.Equal(t, outs("data", "later"), mustRun(t, "WaitBlock", map[string]any{"seconds": 0.02, "data": "later"}))
	require.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
	require.Equal(t, outs("data", nil), mustRun(t, "WaitBlock", map[string]any{"seconds": 0}))
}

func TestWaitBlockCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	got, err := runCtx(t, ctx, &RunContext{}, "WaitBlock", map[string]any{"seconds": 3600, "data": 1})
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, got)
	require.Less(t, time.Since(start), time.Second)
}

func TestWaitBlockRejectsNegative(t *testing.T) {
	t.Parallel()
	require.ErrorContains(t, Builtin().Validate(blockID(t, "WaitBlock"), map[string]any{"seconds": -1}), `"seconds"`)
}

// A wait past a day is refused by the input schema, so a huge number (whose
// duration and price would overflow) never reaches the block or its price.
func TestWaitBlockRejectsHuge(t *testing.T) {
	t.Parallel()
	id := blockID(t, "WaitBlock")
	require.NoError(t, Builtin().Validate(id, map[string]any{"seconds": 86400}))
	for _, s := range []float64{86400.5, 9.3e18, 1e300} {
		require.ErrorContains(t, Builtin().Validate(id, map[string]any{"seconds": s}), `"seconds"`, s)
	}
}
