package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUniversalTypeConverter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		value any
		typ   string
		want  any
	}{
		{"string stays", "héllo", "string", "héllo"},
		{"number as Python's json.dumps", 3.5, "string", "3.5"},
		{"object as Python's json.dumps, keys sorted", map[string]any{"b": 1, "a": []any{true, nil}}, "string", `{"a": [true, null], "b": 1}`},
		{"non-ASCII escaped as json.dumps does", []any{"é"}, "string", `["\u00e9"]`},
		{"numeric text", " 42.5 ", "number", 42.5},
		{"exponent", "1e3", "number", 1000.0},
		{"unparsable text is 0", "abc", "number", 0.0},
		{"list counts", []any{1, 2, 3}, "number", 3.0},
		{"dict counts", map[string]any{"a": 1}, "number", 1.0},
		{"true is 1", true, "number", 1.0},
		{"null is 0", nil, "number", 0.0},
		{"TRUE text", "TRUE", "boolean", true},
		{"1 text", "1", "boolean", true},
		{"yes text is false", "yes", "boolean", false},
		{"zero is false", 0, "boolean", false},
		{"non-zero is true", -2.5, "boolean", true},
		{"empty list is false", []any{}, "boolean", false},
		{"dict is true", map[string]any{"a": 1}, "boolean", true},
		{"null is false", nil, "boolean", false},
		{"list stays", []any{1, "a"}, "list", []any{1.0, "a"}},
		{"JSON array text", " [1, \"a\"] ", "list", []any{1.0, "a"}},
		{"broken array text is wrapped trimmed", " [1, ", "list", []any{"[1,"}},
		{"plain text wrapped trimmed", "  hi  ", "list", []any{"hi"}},
		{"dict becomes pairs by key", map[string]any{"b": 2, "a": 1}, "list", []any{[]any{"a", 1.0}, []any{"b", 2.0}}},
		{"number wrapped", 7, "list", []any{7.0}},
		{"JSON object text", `{"a": {"b": 1}}`, "dictionary", map[string]any{"a": map[string]any{"b": 1.0}}},
		{"JSON non-object text", "[1]", "dictionary", map[string]any{"value": []any{1.0}}},
		{"plain text", "hi", "dictionary", map[string]any{"value": "hi"}},
		{"list keyed by index", []any{"x", "y"}, "dictionary", map[string]any{"0": "x", "1": "y"}},
		{"number wrapped", 5, "dictionary", map[string]any{"value": 5.0}},
		{"null wrapped", nil, "dictionary", map[string]any{"value": nil}},
	} {
		t.Run(tc.name+" to "+tc.typ, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("value", tc.want), mustRun(t, "UniversalTypeConverterBlock", map[string]any{"value": tc.value, "type": tc.typ}))
		})
	}
}

func TestUniversalTypeConverterRefusals(t *testing.T) {
	t.Parallel()
	_, err := run(t, "UniversalTypeConverterBlock", map[string]any{"value": "inf", "type": "number"})
	require.ErrorContains(t, err, "not a finite number", "JSON cannot carry infinity")
	_, err = run(t, "UniversalTypeConverterBlock", map[string]any{"value": "1e999", "type": "number"})
	require.ErrorContains(t, err, "not a finite number", "a number out of a float's range is not 0")
	_, err = run(t, "UniversalTypeConverterBlock", map[string]any{"value": "-1e999", "type": "number"})
	require.ErrorContains(t, err, "not a finite number")
	require.Equal(t, outs("value", 0.0), mustRun(t, "UniversalTypeConverterBlock", map[string]any{"value": "1e-999", "type": "number"}), "an underflow is 0, as Python's float() says")
	id := blockID(t, "UniversalTypeConverterBlock")
	require.ErrorContains(t, Builtin().Validate(id, map[string]any{"value": 1, "type": "float"}), `"type"`)
	require.ErrorContains(t, Builtin().Validate(id, map[string]any{"type": "string"}), "value")
}
