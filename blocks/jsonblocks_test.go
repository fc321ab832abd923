package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONParseBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("parsed", map[string]any{"a": []any{1.0, true, nil}}), mustRun(t, "JSONParseBlock", map[string]any{"json_string": `{"a": [1, true, null]}`}))
	require.Equal(t, outs("parsed", "s"), mustRun(t, "JSONParseBlock", map[string]any{"json_string": ` "s" `}))
	for _, bad := range []string{"", "{", "[1] [2]", "nope"} {
		_, err := run(t, "JSONParseBlock", map[string]any{"json_string": bad})
		require.ErrorContains(t, err, "invalid JSON", bad)
	}
}

func TestJSONFormatBlock(t *testing.T) {
	t.Parallel()
	value := map[string]any{"b": 1, "a": "<x>"}
	require.Equal(t, outs("output", "{\n  \"a\": \"<x>\",\n  \"b\": 1\n}"), mustRun(t, "JSONFormatBlock", map[string]any{"value": value}))
	require.Equal(t, outs("output", `{"a":"<x>","b":1}`), mustRun(t, "JSONFormatBlock", map[string]any{"value": value, "indent": 0}))
	require.Equal(t, outs("output", "null"), mustRun(t, "JSONFormatBlock", map[string]any{"value": nil}))
}

func TestGetJSONByPathBlock(t *testing.T) {
	t.Parallel()
	data := map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": "deep"}, "second"}}}
	tests := []struct {
		name  string
		input map[string]any
		want  []output
	}{
		{"deep", map[string]any{"data": data, "path": "a.b.0.c"}, outs("value", "deep")},
		{"negative index", map[string]any{"data": data, "path": "a.b.-1"}, outs("value", "second")},
		{"empty path is the whole", map[string]any{"data": []any{1}}, outs("value", []any{1.0})},
		{"JSON text", map[string]any{"data": `{"x": {"y": 2}}`, "path": "x.y"}, outs("value", 2.0)},
		{"missing key", map[string]any{"data": data, "path": "a.z"}, outs("missing", jsonValue(t, data))},
		{"index out of range", map[string]any{"data": data, "path": "a.b.5"}, outs("missing", jsonValue(t, data))},
		{"into a scalar", map[string]any{"data": data, "path": "a.b.1.x"}, outs("missing", jsonValue(t, data))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, mustRun(t, "GetJSONByPathBlock", tt.input))
		})
	}
	_, err := run(t, "GetJSONByPathBlock", map[string]any{"data": "{broken", "path": "a"})
	require.ErrorContains(t, err, "invalid JSON")
}
