package blocks

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

type plainIn struct {
	A   any            `json:"a"`
	S   string         `json:"s,omitempty"`
	F   float64        `json:"f" jsonschema:"default=1.5"`
	B   bool           `json:"b,omitempty"`
	M   map[string]any `json:"m,omitempty"`
	L   []any          `json:"l,omitempty"`
	Off string         `json:"-"`
}

// The direct decoding path gives exactly what the JSON path gives, and
// falls back to it for anything it does not handle.
func TestDecodePlanMatchesJSON(t *testing.T) {
	t.Parallel()
	plan := newDecodePlan(reflect.TypeFor[plainIn]())
	require.NotNil(t, plan)
	_, defaults := inputSchema(reflect.TypeFor[plainIn]())
	inputs := []map[string]any{
		{"a": 1.0, "s": "x", "b": true, "m": map[string]any{"k": []any{1.0, "v"}}, "l": []any{nil, false}},
		{"a": map[string]any{"x": 1.0}, "f": nil, "extra": 3},
		{"a": 3},                    // Go int: JSON path (becomes float64)
		{"A": "case"},               // case-insensitive match: JSON path
		{"s": 5.0},                  // type error: JSON path reports it
		{"a": []string{"typed"}},    // typed slice: JSON path
		{"f": 2.0, "a": "\xff bad"}, // invalid UTF-8: JSON path
		{"a": math.NaN()},           // not encodable: JSON path's error
		{"l": []any{map[string]any{}}, "m": nil},
	}
	for _, in := range inputs {
		want, werr := decodeInput[plainIn](in, defaults, nil)
		got, gerr := decodeInput[plainIn](in, defaults, plan)
		if werr != nil {
			require.EqualError(t, gerr, werr.Error(), "%v", in)
			continue
		}
		require.NoError(t, gerr, "%v", in)
		require.Equal(t, want, got, "%v", in)
	}
	// A block gets its own copy of composite values.
	shared := map[string]any{"k": []any{1.0}}
	got, err := decodeInput[plainIn](map[string]any{"m": shared, "a": shared}, defaults, plan)
	require.NoError(t, err)
	got.M["k"].([]any)[0] = 2.0
	got.A.(map[string]any)["new"] = true
	require.Equal(t, map[string]any{"k": []any{1.0}}, shared)
}

func TestDecodePlanNotForConvertingTypes(t *testing.T) {
	t.Parallel()
	require.Nil(t, newDecodePlan(reflect.TypeFor[sampleIn]()), "int field needs JSON's number conversion")
	require.Nil(t, newDecodePlan(reflect.TypeFor[int]()))
}

// Validation without the JSON round trip reports what the round trip did.
func TestValidateDirectMatchesRoundTrip(t *testing.T) {
	t.Parallel()
	reg := Builtin()
	calc, _ := reg.ByName("CalculatorBlock")
	id := calc.Info().ID
	for _, in := range []map[string]any{
		{"operation": "Add", "a": 1.0, "b": 2.0},
		{"operation": "Add", "a": 2, "b": int64(3), "extra": []any{1.0}},
		{"operation": "Power", "a": json.Number("3"), "b": 0.5, "round_result": true},
		{"operation": "Nope", "a": "x", "b": 1.0},
		{"a": 1.0},
		{"operation": "Add", "a": 1.5, "b": 1.0, "extra": []string{"typed"}},
		{"operation": "Add\xff", "a": 1.5, "b": 1.0},
	} {
		direct := reg.Validate(id, in)
		raw, _ := json.Marshal(in)
		var rt map[string]any
		require.NoError(t, json.Unmarshal(raw, &rt))
		viaJSON := reg.Validate(id, rt)
		if viaJSON == nil {
			require.NoError(t, direct, "%v", in)
		} else {
			require.EqualError(t, direct, viaJSON.Error(), "%v", in)
		}
	}
	require.ErrorContains(t, reg.Validate(id, map[string]any{"operation": "Add", "a": math.Inf(1), "b": 1.0}), "not JSON-encodable")
}

func TestStoreValueDirect(t *testing.T) {
	t.Parallel()
	var out []any
	err := StoreValueBlock().Run(context.Background(), nil, map[string]any{"input": map[string]any{"x": 1.0}},
		func(pin string, v any) error { out = append(out, v); return nil })
	require.NoError(t, err)
	require.Equal(t, []any{map[string]any{"x": 1.0}}, out)
}
