package blocks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// output is one (pin, value) pair a block yielded.
type output struct {
	Pin   string
	Value any
}

// run runs the named built-in block the way the engine does (dynamic pins
// merged, input validated) and collects what it yields, in order. Values are
// round-tripped through JSON, as the engine stores them, so tests compare
// against plain JSON values (numbers are float64).
func run(t *testing.T, name string, input map[string]any) ([]output, error) {
	t.Helper()
	return runCtx(t, context.Background(), &RunContext{}, name, input)
}

func runCtx(t *testing.T, ctx context.Context, rc *RunContext, name string, input map[string]any) ([]output, error) {
	t.Helper()
	r := Builtin()
	b, ok := r.ByName(name)
	require.True(t, ok, "block %s", name)
	merged, err := MergeDynamicPins(input)
	require.NoError(t, err)
	require.NoError(t, r.Validate(b.Info().ID, merged), "input of %s", name)
	var outs []output
	check := r.OutputCheck(b.Info().ID)
	err = b.Run(ctx, rc, merged, func(pin string, v any) error {
		// Every value a block test sees is also checked against the block's
		// output schema, as the engine checks it.
		raw, err := json.Marshal(v)
		require.NoError(t, err, "emitted value must be JSON-encodable")
		require.NoError(t, check.Check(pin, raw))
		outs = append(outs, output{Pin: pin, Value: jsonValue(t, v)})
		return ctx.Err()
	})
	return outs, err
}

// mustRun is run for inputs that must succeed.
func mustRun(t *testing.T, name string, input map[string]any) []output {
	t.Helper()
	outs, err := run(t, name, input)
	require.NoError(t, err)
	return outs
}

// jsonValue normalises v to what JSON would carry.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err, "emitted value must be JSON-encodable")
	var out any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// outs builds an expected output list from pin, value, pin, value, ...
func outs(pairs ...any) []output {
	var o []output
	for i := 0; i+1 < len(pairs); i += 2 {
		o = append(o, output{Pin: pairs[i].(string), Value: pairs[i+1]})
	}
	return o
}
