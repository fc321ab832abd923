package blocks

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// pythonJSON renders v as Python's json.dumps does by default (", " and ": "
// separators, non-ASCII escaped as \uXXXX), with object keys sorted. Cost
// formulas measure this text, so byte and word counts match the seed's.
// Values that are not JSON-like are rendered through encoding/json first.
func pythonJSON(v any) string {
	var sb strings.Builder
	writePy(&sb, normalizeJSON(v))
	return sb.String()
}

// normalizeJSON turns any Go value into the JSON-decoded form (maps, []any,
// float64/json.Number, string, bool, nil).
func normalizeJSON(v any) any {
	switch v.(type) {
	case nil, string, bool, float64, map[string]any, []any:
		return v
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

func writePy(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case string:
		writePyString(sb, x)
	case json.Number:
		sb.WriteString(x.String())
	case float64:
		sb.WriteString(pyFloat(x))
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writePy(sb, normalizeJSON(e))
		}
		sb.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			writePyString(sb, k)
			sb.WriteString(": ")
			writePy(sb, normalizeJSON(x[k]))
		}
		sb.WriteByte('}')
	default:
		if reflect.ValueOf(v).Kind() == reflect.Map || reflect.ValueOf(v).Kind() == reflect.Slice {
			writePy(sb, normalizeJSON(v))
			return
		}
		writePyString(sb, fmt.Sprint(v))
	}
}

// pyFloat renders a JSON number: integral values as integers (JSON decoding
// made Python's ints float64 here), others as the shortest repr.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	case f == math.Trunc(f) && math.Abs(f) < 1e16:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func writePyString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r <= 0xffff):
				fmt.Fprintf(sb, `\u%04x`, r)
			case r > 0xffff:
				a, b := utf16.EncodeRune(r)
				fmt.Fprintf(sb, `\u%04x\u%04x`, a, b)
			default:
				sb.WriteRune(r)
			}
		}
	}
	sb.WriteByte('"')
}
