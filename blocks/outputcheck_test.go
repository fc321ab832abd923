package blocks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkedOut has one pin of each kind the output check tells apart.
type checkedOut struct {
	Text   string            `json:"text"`
	Count  int               `json:"count"`
	Ratio  float64           `json:"ratio"`
	Flag   bool              `json:"flag"`
	Words  []string          `json:"words"`
	Tags   map[string]string `json:"tags"`
	Any    any               `json:"any"`
	Choice string            `json:"choice" jsonschema:"enum=yes,enum=no"`
}

func checkedBlock() Block {
	return Define[struct{}, checkedOut](Info{ID: "0d6d2f43-8a52-4a0e-9bd6-3f3f4a7c3a10", Name: "CheckedBlock"},
		func(context.Context, *RunContext, struct{}, Emit) error { return nil })
}

func openBlock() Block {
	return Define[struct{}, map[string]any](Info{ID: "6b0c8c8e-4f6c-4d7f-9a53-0a1f3d0c2b11", Name: "OpenBlock"},
		func(context.Context, *RunContext, struct{}, Emit) error { return nil })
}

func TestOutputCheck(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(checkedBlock(), openBlock())
	require.NoError(t, err)
	check := reg.OutputCheck(checkedBlock().Info().ID)
	require.NotNil(t, check)
	ok := []struct {
		pin   string
		value string
	}{
		{"text", `"hi"`}, {"count", `3`}, {"count", `3.0`}, {"count", `1e3`}, {"ratio", `0.5`}, {"ratio", `2`},
		{"flag", `false`}, {"words", `["a","b"]`}, {"words", `[]`}, {"tags", `{"a":"b"}`},
		{"any", `null`}, {"any", `{"x":[1]}`}, {"choice", `"yes"`},
		{"error", `"boom"`},
		// Dynamic pins carry a part of a declared pin.
		{"words_$_0", `"a"`}, {"tags_#_a", `"b"`}, {"any_@_x", `1`},
	}
	for _, c := range ok {
		require.NoError(t, check.Check(c.pin, json.RawMessage(c.value)), "%s = %s", c.pin, c.value)
	}
	bad := []struct {
		pin, value, message string
	}{
		{"nope", `1`, `CheckedBlock yielded on "nope", an output pin it does not declare`},
		{"nope_$_0", `1`, `an output pin it does not declare`},
		{"text", `3`, `CheckedBlock yielded an integer on "text", which expects a string`},
		{"text", `null`, `yielded null on "text", which expects a string`},
		{"count", `2.5`, `yielded a number on "count", which expects an integer`},
		{"ratio", `"0.5"`, `yielded a string on "ratio", which expects a number`},
		{"flag", `"true"`, `which expects a boolean`},
		{"words", `{"a":1}`, `yielded an object on "words", which expects an array`},
		{"words", `["a",1]`, `CheckedBlock yielded an invalid value on "words": "1":`},
		{"tags", `{"a":1}`, `yielded an invalid value on "tags"`},
		{"choice", `"maybe"`, `yielded an invalid value on "choice"`},
		{"error", `{}`, `which expects a string`},
	}
	for _, c := range bad {
		err := check.Check(c.pin, json.RawMessage(c.value))
		require.Error(t, err, "%s = %s", c.pin, c.value)
		require.Contains(t, err.Error(), c.message)
	}

	// Open outputs (pins named at run time) take any pin; nil checks nothing.
	require.NoError(t, reg.OutputCheck(openBlock().Info().ID).Check("whatever", json.RawMessage(`1`)))
	require.NoError(t, reg.OutputCheck(openBlock().Info().ID).Check("error", json.RawMessage(`"x"`)))
	require.Error(t, reg.OutputCheck(openBlock().Info().ID).Check("error", json.RawMessage(`1`)))
	require.Nil(t, reg.OutputCheck("unknown"))
	require.NoError(t, reg.OutputCheck("unknown").Check("x", json.RawMessage(`1`)))
}

// Only a pin whose schema constrains more than its type pays for the full
// validator; "any" pins are not checked at all.
func TestOutputCheckCompilesOnlyWhatNeedsIt(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(checkedBlock())
	require.NoError(t, err)
	pins := reg.OutputCheck(checkedBlock().Info().ID).pins
	require.Nil(t, pins["any"], "an untyped pin accepts anything: no check")
	for _, typeOnly := range []string{"text", "count", "ratio", "flag", "error"} {
		require.NotNil(t, pins[typeOnly], typeOnly)
		require.Nil(t, pins[typeOnly].schema, "%s is checked by its type alone", typeOnly)
	}
	for _, full := range []string{"words", "tags", "choice"} {
		require.NotNil(t, pins[full].schema, full)
	}
}

func TestOutputCheckBuiltinLibrary(t *testing.T) {
	t.Parallel()
	r := Builtin()
	for _, b := range r.All() {
		require.NotNil(t, r.OutputCheck(b.Info().ID), b.Info().Name)
	}
	calc := r.OutputCheck(blockID(t, "CalculatorBlock"))
	require.NoError(t, calc.Check("result", json.RawMessage(`4`)))
	require.ErrorContains(t, calc.Check("result", json.RawMessage(`"4"`)),
		`CalculatorBlock yielded a string on "result", which expects a number`)
	require.ErrorContains(t, calc.Check("yes_output", json.RawMessage(`1`)), "does not declare")
}
