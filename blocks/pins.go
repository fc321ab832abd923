package blocks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Dynamic pin separators, AutoGPT's: `items_$_0` is element 0 of the list
// input `items`, `values_#_a` key "a" of the dict input `values`, `obj_@_x`
// attribute x of the object input `obj`. They may nest: `a_#_k_$_1`.
const (
	ListSep   = "_$_"
	DictSep   = "_#_"
	ObjectSep = "_@_"
)

var separators = []string{ListSep, DictSep, ObjectSep}

// BasePin strips every dynamic suffix: `values_#_a` → `values`.
func BasePin(name string) string {
	if i, _ := nextSep(name); i >= 0 {
		return name[:i]
	}
	return name
}

// IsDynamicPin reports whether name carries a dynamic suffix.
func IsDynamicPin(name string) bool {
	i, _ := nextSep(name)
	return i >= 0
}

// nextSep finds the earliest separator in s and returns its index and value.
func nextSep(s string) (int, string) {
	best, sep := -1, ""
	for _, x := range separators {
		if i := strings.Index(s, x); i >= 0 && (best < 0 || i < best) {
			best, sep = i, x
		}
	}
	return best, sep
}

// MergeDynamicPins folds dynamic pins into their base input, as AutoGPT's
// merge_execution_input does: list elements are placed by index (gaps are
// null), dict keys and object attributes are set on a map. An existing
// value of the base pin (e.g. a node default) is merged into, not
// replaced; it is copied, never mutated. The dynamic keys are removed.
// The input map itself is not modified.
func MergeDynamicPins(input map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(input))
	var dynamic []string
	for k, v := range input {
		if IsDynamicPin(k) {
			dynamic = append(dynamic, k)
		} else {
			out[k] = v
		}
	}
	// Sorted so a conflict is reported the same way every time.
	slices.Sort(dynamic)
	for _, k := range dynamic {
		i, sep := nextSep(k)
		base := k[:i]
		v, err := setPath(out[base], sep, k[i+len(sep):], input[k])
		if err != nil {
			return nil, fmt.Errorf("pin %q: %w", k, err)
		}
		out[base] = v
	}
	return out, nil
}

// setPath sets value at the path `<key><sep2><key2>...` under container
// (created if nil) and returns the updated copy.
func setPath(container any, sep, rest string, value any) (any, error) {
	key, tail, tailSep := rest, "", ""
	if j, s := nextSep(rest); j >= 0 {
		key, tail, tailSep = rest[:j], rest[j+len(s):], s
	}
	if key == "" {
		return nil, fmt.Errorf("empty key after %q", sep)
	}
	switch sep {
	case ListSep:
		idx, err := strconv.Atoi(key)
		if err != nil || idx < 0 {
			return nil, fmt.Errorf("list index %q is not a non-negative integer", key)
		}
		var list []any
		switch c := container.(type) {
		case nil:
		case []any:
			list = slices.Clone(c)
		default:
			return nil, fmt.Errorf("cannot set list index on a %T", container)
		}
		for len(list) <= idx {
			list = append(list, nil)
		}
		if tail != "" {
			if value, err = setPath(list[idx], tailSep, tail, value); err != nil {
				return nil, err
			}
		}
		list[idx] = value
		return list, nil
	default: // DictSep, ObjectSep: both become a JSON object
		var obj map[string]any
		switch c := container.(type) {
		case nil:
			obj = map[string]any{}
		case map[string]any:
			obj = maps.Clone(c)
		default:
			return nil, fmt.Errorf("cannot set key %q on a %T", key, container)
		}
		if tail != "" {
			var err error
			if value, err = setPath(obj[key], tailSep, tail, value); err != nil {
				return nil, err
			}
		}
		obj[key] = value
		return obj, nil
	}
}

// Tool pins, AutoGPT's: the nodes a SmartDecisionMakerBlock may call are
// linked from its `tools` output pin (older graphs name the link's source
// pin `tools_^_<tool>_~_<input>`), and the block yields each argument of a
// tool call on `tools_^_<sink node id>_~_<sink input pin>`. The engine
// routes such a value only along the tool link to that node and pin, so a
// called node runs once and the others not at all.
const (
	ToolsPin      = "tools"
	toolPinPrefix = "tools_^_"
	toolPinSep    = "_~_"
)

// IsToolPin reports whether a link's source pin links a tool: `tools` or a
// legacy `tools_^_…` name.
func IsToolPin(name string) bool {
	return name == ToolsPin || strings.HasPrefix(name, toolPinPrefix)
}

// ToolCallPin is the pin a tool call's argument is yielded on.
func ToolCallPin(sinkNodeID, sinkPin string) string {
	return toolPinPrefix + sinkNodeID + toolPinSep + sinkPin
}

// ParseToolCallPin splits a pin made by ToolCallPin.
func ParseToolCallPin(pin string) (sinkNodeID, sinkPin string, ok bool) {
	rest, found := strings.CutPrefix(pin, toolPinPrefix)
	if !found {
		return "", "", false
	}
	return strings.Cut(rest, toolPinSep)
}

// PartOf is the part of v a dynamic suffix names, as AutoGPT's
// parse_execution_output reads a link from `result_#_status` off the
// value yielded on `result`: `_#_k` and `_@_k` a key of an object, `_$_i`
// an element of a list; they may nest. ok is false when v has no such part
// (the link then carries nothing, as in AutoGPT).
func PartOf(v any, suffix string) (part any, ok bool) {
	for suffix != "" {
		i, sep := nextSep(suffix)
		if i != 0 {
			return nil, false
		}
		rest := suffix[len(sep):]
		key := rest
		if j, _ := nextSep(rest); j >= 0 {
			key, rest = rest[:j], rest[j:]
		} else {
			rest = ""
		}
		switch sep {
		case ListSep:
			list, isList := v.([]any)
			n, err := strconv.Atoi(key)
			if !isList || err != nil || n < 0 || n >= len(list) {
				return nil, false
			}
			v = list[n]
		default:
			obj, isObj := v.(map[string]any)
			if !isObj {
				return nil, false
			}
			if v, ok = obj[key]; !ok {
				return nil, false
			}
		}
		suffix = rest
	}
	return v, true
}
