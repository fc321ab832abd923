package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIfInputMatches(t *testing.T) {
	t.Parallel()
	yesNo := func(in, value any) map[string]any {
		return map[string]any{"input": in, "value": value, "yes_value": "Yes", "no_value": "No"}
	}
	// AutoGPT's own cases.
	require.Equal(t, outs("result", true, "yes_output", "Yes"), mustRun(t, "IfInputMatchesBlock", yesNo(10, 10)))
	require.Equal(t, outs("result", false, "no_output", "No"), mustRun(t, "IfInputMatchesBlock", yesNo(10, 20)))
	require.Equal(t, outs("result", false, "no_output", "No"), mustRun(t, "IfInputMatchesBlock", yesNo(10, nil)))
	// JSON equality: numbers by value, collections deeply, no string/number coercion.
	require.Equal(t, outs("result", true, "yes_output", "Yes"), mustRun(t, "IfInputMatchesBlock", yesNo(3, 3.0)))
	require.Equal(t, outs("result", false, "no_output", "No"), mustRun(t, "IfInputMatchesBlock", yesNo("3", 3)))
	require.Equal(t, outs("result", true, "yes_output", "Yes"),
		mustRun(t, "IfInputMatchesBlock", yesNo(map[string]any{"a": []any{1, "x"}}, map[string]any{"a": []any{1.0, "x"}})))
	require.Equal(t, outs("result", true, "yes_output", "Yes"), mustRun(t, "IfInputMatchesBlock", yesNo(nil, nil)), "null matches an absent value")
	// Branch values go out as given, null included (not replaced by the input).
	require.Equal(t, outs("result", true, "yes_output", nil), mustRun(t, "IfInputMatchesBlock", map[string]any{"input": "a", "value": "a"}))
	require.Equal(t, []string{"input"}, Builtin().RequiredInputs(blockID(t, "IfInputMatchesBlock")))
}
