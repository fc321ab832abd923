package blocks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

type typeConverterIn struct {
	Value any    `json:"value" jsonschema:"required" jsonschema_description:"The value to convert."`
	Type  string `json:"type" jsonschema:"enum=string,enum=number,enum=boolean,enum=list,enum=dictionary" jsonschema_description:"The type to convert the value to."`
}

type typeConverterOut struct {
	Value any `json:"value" jsonschema_description:"The converted value."`
}

// UniversalTypeConverterBlock converts a value the way AutoGPT's convert()
// does for str, float, bool, list and dict, so its agents get the same
// values here: lenient, with fallbacks rather than failures (a string that
// is no number becomes 0, one that is no JSON object becomes {"value": s}).
func UniversalTypeConverterBlock() Block {
	return Define[typeConverterIn, typeConverterOut](Info{
		ID:   "95d1b990-ce13-4d88-9737-ba5c2070c97b",
		Name: "UniversalTypeConverterBlock",
		Description: "Converts a value to a string (JSON text for non-strings), a number (a collection's length; 0 when unparsable), " +
			"a boolean (\"true\"/\"1\" are true), a list (a dictionary's [key, value] pairs) or a dictionary ({\"value\": v} for non-objects).",
		Categories: []Category{CategoryData},
		Type:       TypeStandard,
	}, func(_ context.Context, _ *RunContext, in typeConverterIn, emit Emit) error {
		v, err := convertTo(in.Value, in.Type)
		if err != nil {
			return fmt.Errorf("failed to convert value: %w", err)
		}
		return emit("value", v)
	})
}

func convertTo(v any, typ string) (any, error) {
	switch typ {
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return pythonJSON(v), nil // AutoGPT's json.dumps
	case "number":
		return toNumber(v)
	case "boolean":
		return toBool(v), nil
	case "list":
		return toList(v), nil
	case "dictionary":
		return toDict(v), nil
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

// toNumber is Python's float() with AutoGPT's fallbacks: a collection counts
// its items, anything unparsable is 0. Infinity and NaN, which Python would
// accept from a string, cannot travel as JSON: they are an error.
func toNumber(v any) (any, error) {
	if f, ok := toFloat(v); ok {
		return f, nil
	}
	var f float64
	switch x := v.(type) {
	case []any:
		f = float64(len(x))
	case map[string]any:
		f = float64(len(x))
	case bool:
		if x {
			f = 1
		}
	case string:
		parsed, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		// "1e999" is a number, just not one a float holds: ParseFloat
		// answers ±Inf with ErrRange, refused below like "inf" rather
		// than read as unparsable text (0).
		if err == nil || errors.Is(err, strconv.ErrRange) {
			f = parsed
		}
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("%q is not a finite number", textOf(v))
	}
	return f, nil
}

// toBool: strings are true only for "true" and "1" (any case); other values
// by Python's truthiness (non-zero, non-empty).
func toBool(v any) bool {
	if f, ok := toFloat(v); ok {
		return f != 0
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		l := strings.ToLower(x)
		return l == "true" || l == "1"
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return false // null
}

// toList: a dictionary becomes its [key, value] pairs (by key, as JSON
// objects carry no order); a string that looks like a JSON array is
// parsed, any other string (trimmed) or value is wrapped.
func toList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = []any{k, x[k]}
		}
		return out
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			if parsed, err := parseJSON(s); err == nil {
				if l, ok := parsed.([]any); ok {
					return l
				}
			}
		}
		return []any{s}
	}
	return []any{v}
}

// toDict: a JSON object string is parsed; a list is keyed by index ("0",
// "1", … as JSON keys are strings); anything else becomes {"value": v}
// (a JSON string that is no object, its parsed value).
func toDict(v any) map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return x
	case []any:
		out := make(map[string]any, len(x))
		for i, e := range x {
			out[strconv.Itoa(i)] = e
		}
		return out
	case string:
		parsed, err := parseJSON(x)
		if err != nil {
			return map[string]any{"value": x}
		}
		if m, ok := parsed.(map[string]any); ok {
			return m
		}
		return map[string]any{"value": parsed}
	}
	return map[string]any{"value": v}
}
