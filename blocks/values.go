package blocks

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Values reach blocks as decoded JSON, but from several decoders (float64,
// json.Number, Go ints from tests or the engine). These helpers compare and
// print them by their JSON meaning, so 3 equals 3.0 everywhere.

// toFloat returns v as a float64 when it is a number.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// looseEqual is JSON equality with numbers compared by value.
func looseEqual(a, b any) bool {
	return reflect.DeepEqual(canonical(a), canonical(b))
}

// canonical maps a value onto decoded JSON with every number a float64.
func canonical(v any) any {
	if f, ok := toFloat(v); ok {
		return f
	}
	switch x := v.(type) {
	case nil, string, bool:
		return v
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		return v
	}
	return canonical(out)
}

// compareValues orders two values: numbers numerically (a numeric string
// counts as a number when compared with a number), strings lexically. It
// fails for anything else, which has no order.
func compareValues(a, b any) (int, error) {
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	sa, aStr := a.(string)
	sb, bStr := b.(string)
	if aNum && bStr {
		if f, err := strconv.ParseFloat(strings.TrimSpace(sb), 64); err == nil {
			fb, bNum = f, true
		}
	}
	if bNum && aStr {
		if f, err := strconv.ParseFloat(strings.TrimSpace(sa), 64); err == nil {
			fa, aNum = f, true
		}
	}
	switch {
	case aNum && bNum:
		switch {
		case fa < fb:
			return -1, nil
		case fa > fb:
			return 1, nil
		}
		return 0, nil
	case aStr && bStr:
		return strings.Compare(sa, sb), nil
	}
	return 0, fmt.Errorf("cannot order %s and %s", typeName(a), typeName(b))
}

// typeName names a value's JSON type for error messages.
func typeName(v any) string {
	if _, ok := toFloat(v); ok {
		return "number"
	}
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// textOf renders a value as text: strings as they are, numbers in their
// shortest form (3, not 3.0), null as "", and anything else as JSON.
func textOf(v any) string {
	if f, ok := toFloat(v); ok {
		if n, isNum := v.(json.Number); isNum {
			return n.String()
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Sprint(f)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}

// jsonText is v as it would be matched against by a regex: strings as they
// are, anything else JSON-encoded (AutoGPT's json.dumps).
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pythonJSON(v)
}
