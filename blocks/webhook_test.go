package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenericWebhookTriggerBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("payload", map[string]any{"a": 1.0}, "constants", map[string]any{"src": "ci"}),
		mustRun(t, "GenericWebhookTriggerBlock", map[string]any{"payload": map[string]any{"a": 1}, "constants": map[string]any{"src": "ci"}}))
	require.Equal(t, outs("payload", "x", "constants", map[string]any{}),
		mustRun(t, "GenericWebhookTriggerBlock", map[string]any{"payload": "x"}))
	require.Empty(t, mustRun(t, "GenericWebhookTriggerBlock", map[string]any{}), "no delivery, no output")
	r := Builtin()
	b, ok := r.ByName("GenericWebhookTriggerBlock")
	require.True(t, ok)
	require.NoError(t, r.Validate(b.Info().ID, map[string]any{"provider": "github"}))
	require.Error(t, r.Validate(b.Info().ID, map[string]any{"provider": "gitlab"}), "an unknown provider fails the schema")
}
