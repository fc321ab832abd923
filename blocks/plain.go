package blocks

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Fast paths that spare the engine a JSON encode+decode per node execution
// when a value is already what decoding JSON would have produced. Each
// answers "not applicable" for anything else, and the caller then takes the
// JSON round trip, so results are identical either way.

// schemaValue reports whether v can be handed to the schema validator as is
// and validates exactly like its JSON encoding: JSON-decoded values
// (map[string]any, []any, string, float64, bool, nil), json.Number and Go
// integers, with valid UTF-8 strings and keys and finite numbers (encoding
// would replace invalid UTF-8 and reject NaN/Inf).
func schemaValue(v any) bool {
	return plainTree(v, func(leaf any) bool {
		switch leaf.(type) {
		case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			return true
		}
		return false
	})
}

// decodedJSON reports whether v is exactly what json.Unmarshal into an
// interface{} yields for v's own encoding (so no integers or json.Number:
// those decode to float64).
func decodedJSON(v any) bool {
	return plainTree(v, func(any) bool { return false })
}

// plainTree walks maps and slices of a JSON-shaped value: nil, bool, valid
// UTF-8 strings (and keys) and finite float64s are accepted everywhere;
// any other leaf is accepted only if extra says so.
func plainTree(v any, extra func(any) bool) bool {
	switch v := v.(type) {
	case nil, bool:
		return true
	case string:
		return utf8.ValidString(v)
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case map[string]any:
		for k, e := range v {
			if !utf8.ValidString(k) || !plainTree(e, extra) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range v {
			if !plainTree(e, extra) {
				return false
			}
		}
		return true
	}
	return extra(v)
}

// deepCopy copies a decodedJSON value, so a block never shares a map or a
// slice with another node execution (decoding gave each its own).
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

type fieldKind int

const (
	fieldAny fieldKind = iota
	fieldString
	fieldFloat
	fieldBool
	fieldMap
	fieldSlice
)

type planField struct {
	index int
	kind  fieldKind
}

// decodePlan assigns decoded-JSON input values straight to the fields of an
// input struct whose fields are all of the kinds JSON decodes to without
// conversion (any, string, float64, bool, map[string]any, []any).
type decodePlan struct {
	fields map[string]planField // by exact JSON name
	folded map[string]bool      // lower-cased names: a key matching only case-insensitively goes the JSON way
}

var (
	typeAny   = reflect.TypeFor[any]()
	typeMap   = reflect.TypeFor[map[string]any]()
	typeSlice = reflect.TypeFor[[]any]()
)

// newDecodePlan returns nil when t needs encoding/json's full rules.
func newDecodePlan(t reflect.Type) *decodePlan {
	if t.Kind() != reflect.Struct {
		return nil
	}
	p := &decodePlan{fields: map[string]planField{}, folded: map[string]bool{}}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return nil
		}
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if strings.Contains(opts, "string") {
			return nil
		}
		if name == "" {
			name = f.Name
		}
		var k fieldKind
		switch {
		case f.Type == typeAny:
			k = fieldAny
		case f.Type == typeMap:
			k = fieldMap
		case f.Type == typeSlice:
			k = fieldSlice
		case f.Type.PkgPath() != "":
			return nil // named types may have their own UnmarshalJSON
		case f.Type.Kind() == reflect.String:
			k = fieldString
		case f.Type.Kind() == reflect.Float64:
			k = fieldFloat
		case f.Type.Kind() == reflect.Bool:
			k = fieldBool
		default:
			return nil
		}
		lower := strings.ToLower(name)
		if _, dup := p.fields[name]; dup || p.folded[lower] {
			return nil // ambiguous names: let encoding/json decide
		}
		p.fields[name] = planField{index: i, kind: k}
		p.folded[lower] = true
	}
	return p
}

// decode fills out (a zero In) from merged; false means "use JSON" (out may
// then be partly filled and must be discarded).
func (p *decodePlan) decode(merged map[string]any, out reflect.Value) bool {
	for key, v := range merged {
		f, ok := p.fields[key]
		if !ok {
			if p.folded[strings.ToLower(key)] {
				return false
			}
			continue // unknown pins are ignored, as by encoding/json
		}
		if v == nil {
			continue // null leaves the zero value
		}
		fv := out.Field(f.index)
		switch f.kind {
		case fieldAny:
			if !decodedJSON(v) {
				return false
			}
			fv.Set(reflect.ValueOf(deepCopy(v)))
		case fieldString:
			s, ok := v.(string)
			if !ok || !utf8.ValidString(s) {
				return false
			}
			fv.SetString(s)
		case fieldFloat:
			x, ok := v.(float64)
			if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
			fv.SetFloat(x)
		case fieldBool:
			b, ok := v.(bool)
			if !ok {
				return false
			}
			fv.SetBool(b)
		case fieldMap:
			m, ok := v.(map[string]any)
			if !ok || !decodedJSON(m) {
				return false
			}
			fv.Set(reflect.ValueOf(deepCopy(m)))
		case fieldSlice:
			s, ok := v.([]any)
			if !ok || !decodedJSON(s) {
				return false
			}
			fv.Set(reflect.ValueOf(deepCopy(s)))
		}
	}
	return true
}
