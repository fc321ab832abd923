package blocks

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCountdownTimer(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("output_message", "timer finished"), mustRun(t, "CountdownTimerBlock", map[string]any{}), "AutoGPT's defaults")
	require.Equal(t, outs("output_message", "Custom message"), mustRun(t, "CountdownTimerBlock", map[string]any{"input_message": "Custom message"}))

	start := time.Now()
	got := mustRun(t, "CountdownTimerBlock", map[string]any{"seconds": "0.02", "minutes": 0, "input_message": map[string]any{"a": 1}, "repeat": 3})
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "three countdowns of 20ms")
	require.Equal(t, outs("output_message", map[string]any{"a": 1.0}, "output_message", map[string]any{"a": 1.0}, "output_message", map[string]any{"a": 1.0}), got)

	require.Empty(t, mustRun(t, "CountdownTimerBlock", map[string]any{"repeat": 0}), "repeat 0 yields nothing")
	require.Len(t, mustRun(t, "CountdownTimerBlock", map[string]any{"seconds": -5, "repeat": 2}), 2, "a negative total is no wait")
}

func TestCountdownTimerCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	got, err := runCtx(t, ctx, &RunContext{}, "CountdownTimerBlock", map[string]any{"hours": 1, "repeat": 5})
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, got)
	require.Less(t, time.Since(start), time.Second)
}

func TestCountdownTimerRefusals(t *testing.T) {
	t.Parallel()
	_, err := run(t, "CountdownTimerBlock", map[string]any{"minutes": "ten"})
	require.ErrorContains(t, err, `minutes: "ten" is not a number`)
	_, err = run(t, "CountdownTimerBlock", map[string]any{"seconds": "NaN"})
	require.ErrorContains(t, err, "seconds")
	_, err = run(t, "CountdownTimerBlock", map[string]any{"days": 400})
	require.ErrorContains(t, err, "longer than the longest allowed (366 days)")
	id := blockID(t, "CountdownTimerBlock")
	require.ErrorContains(t, Builtin().Validate(id, map[string]any{"repeat": 1001}), "repeat")
	require.ErrorContains(t, Builtin().Validate(id, map[string]any{"seconds": true}), "seconds")
}

func TestCountdownTimerReservesItsSeconds(t *testing.T) {
	t.Parallel()
	b, ok := Builtin().ByName("CountdownTimerBlock")
	require.True(t, ok)
	limits := b.Info().Limits
	require.Equal(t, Usage{CostSecond: 1}, limits(map[string]any{}), "no wait: the extra second")
	require.Equal(t, Usage{CostSecond: 3*3661 + 1}, limits(map[string]any{"hours": "1", "minutes": 1, "seconds": 1, "repeat": 3}))
	require.Equal(t, Usage{CostSecond: 2}, limits(map[string]any{"seconds": 0.4, "repeat": 2}), "0.8s is one started second")
	require.Equal(t, Usage{CostSecond: 1}, limits(map[string]any{"days": 1000}), "an input the block refuses")
}
