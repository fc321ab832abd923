package blocks

import (
	"encoding/json"
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

// The id and pin names are AutoGPT's (autogpt_platform/backend/backend/
// blocks/generic_webhook/triggers.py), so AutoGPT graphs that use the
// block load here unchanged.
func TestGenericWebhookTriggerBlockMatchesAutoGPT(t *testing.T) {
	t.Parallel()
	b, ok := Builtin().ByName("GenericWebhookTriggerBlock")
	require.True(t, ok)
	require.Equal(t, "8fa8c167-2002-47ce-aba8-97572fc5d387", b.Info().ID)
	require.Equal(t, TypeWebhook, b.Info().Type)
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(b.Info().InputSchema, &schema))
	require.Contains(t, schema.Properties, "payload")
	require.Contains(t, schema.Properties, "constants")
	schema.Properties = nil
	require.NoError(t, json.Unmarshal(b.Info().OutputSchema, &schema))
	require.Contains(t, schema.Properties, "payload")
	require.Contains(t, schema.Properties, "constants")
}
