package blocks

import (
	"context"
	"maps"
)

type createDictionaryIn struct {
	Values map[string]any `json:"values" jsonschema_description:"The key-value pairs (often given as dynamic pins values_#_key)."`
}

type createDictionaryOut struct {
	Dictionary map[string]any `json:"dictionary" jsonschema_description:"The dictionary."`
}

// CreateDictionaryBlock builds a dictionary from values.
func CreateDictionaryBlock() Block {
	return Define[createDictionaryIn, createDictionaryOut](Info{
		ID:          "b924ddf4-de4f-4b56-9a85-358930dcbc91",
		Name:        "CreateDictionaryBlock",
		Description: "Creates a dictionary from the given key-value pairs.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in createDictionaryIn, emit Emit) error {
		if in.Values == nil {
			in.Values = map[string]any{}
		}
		return emit("dictionary", in.Values)
	})
}

type addToDictionaryIn struct {
	Dictionary map[string]any `json:"dictionary,omitempty" jsonschema_description:"The dictionary to add to; a new one when not given."`
	Key        string         `json:"key,omitempty" jsonschema_description:"The key of the new entry."`
	Value      any            `json:"value,omitempty" jsonschema_description:"The value of the new entry (ignored when null)."`
	Entries    map[string]any `json:"entries,omitempty" jsonschema_description:"Several entries to add (after key/value)."`
}

type addToDictionaryOut struct {
	UpdatedDictionary map[string]any `json:"updated_dictionary" jsonschema_description:"The dictionary with the entries added."`
}

// AddToDictionaryBlock adds entries to a copy of a dictionary.
func AddToDictionaryBlock() Block {
	return Define[addToDictionaryIn, addToDictionaryOut](Info{
		ID:          "31d1064e-7446-4693-a7d4-65e5ca1180d1",
		Name:        "AddToDictionaryBlock",
		Description: "Adds key-value pairs to a dictionary; creates the dictionary if none is given.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in addToDictionaryIn, emit Emit) error {
		out := maps.Clone(in.Dictionary)
		if out == nil {
			out = map[string]any{}
		}
		if in.Key != "" && in.Value != nil {
			out[in.Key] = in.Value
		}
		maps.Copy(out, in.Entries)
		return emit("updated_dictionary", out)
	})
}

type findInDictionaryIn struct {
	Input any `json:"input" jsonschema:"required" jsonschema_description:"The dictionary (or list, or JSON text of either) to look in."`
	Key   any `json:"key" jsonschema:"required,oneof_type=string;integer" jsonschema_description:"The key; for a list an integer index, or a string to pluck that key from every dict in it."`
}

type findInDictionaryOut struct {
	Output  any `json:"output" jsonschema_description:"The value found."`
	Missing any `json:"missing" jsonschema_description:"The input, when the key is not in it."`
}

// FindInDictionaryBlock looks a key up, as AutoGPT's does: dict key, list
// index, or (string key on a list of dicts) the key's values across the list.
// A miss is not a failure: the input goes out on `missing`.
func FindInDictionaryBlock() Block {
	return Define[findInDictionaryIn, findInDictionaryOut](Info{
		ID:          "0e50422c-6dee-4145-83d6-3a5a392f65de",
		Name:        "FindInDictionaryBlock",
		Description: "Looks up a value in a dictionary or list by key or index.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in findInDictionaryIn, emit Emit) error {
		if v, ok := findKey(in.Input, in.Key); ok {
			return emit("output", v)
		}
		return emit("missing", in.Input)
	})
}

func findKey(obj, key any) (any, bool) {
	if s, ok := obj.(string); ok {
		parsed, err := parseJSON(s)
		if err != nil {
			return nil, false
		}
		obj = parsed
	}
	switch c := obj.(type) {
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			k = textOf(key) // JSON object keys are strings: 1 finds "1"
		}
		v, found := c[k]
		return v, found
	case []any:
		if f, ok := toFloat(key); ok {
			i := int(f)
			if float64(i) != f || i < 0 || i >= len(c) {
				return nil, false
			}
			return c[i], true
		}
		k, _ := key.(string)
		out := []any{}
		for _, item := range c {
			if m, ok := item.(map[string]any); ok {
				if v, found := m[k]; found {
					out = append(out, v)
				}
			}
		}
		return out, true
	}
	return nil, false
}
