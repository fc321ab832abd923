package blocks

import (
	"encoding/json"
	"fmt"
	"maps"
)

// GraphField is one property of a graph's input or output schema, as
// AutoGPT's Graph.input_schema and output_schema build them: what a node of
// a graph-input block (Type INPUT) or of a graph-output block (Type OUTPUT)
// declares, made from the node's defaults.
type GraphField struct {
	// Name is the node's `name`: the key of the run's input, or of the
	// run's output.
	Name string
	// Schema is the property's JSON Schema: the block's `value` schema
	// (so a typed input says its type and format), with the node's choices
	// as `enum` and a table's columns as its rows' properties, and
	// AutoGPT's keys: `title` (the name when none), `description`,
	// `default` (the node's value), `secret` and `advanced`. A secret has
	// `writeOnly: true` and never a default.
	Schema map[string]any
	// Required: the node has no value of its own and its block gives none
	// by default, so a run must give one.
	Required bool
	// Secret is the node's `secret`: its value is never shown (schemas,
	// refusals).
	Secret bool
}

// graphIO is what a graph-input or output block's entry keeps for
// GraphField: its `value` schema and defaults.
type graphIO struct {
	value    map[string]any
	defaults map[string]any
}

// newGraphIO reads the `value` property of an input or output block's
// input schema; nil for other blocks.
func newGraphIO(info *Info, in schemaShape) (*graphIO, error) {
	if info.Type != TypeInput && info.Type != TypeOutput {
		return nil, nil
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(info.InputSchema, &s); err != nil {
		return nil, err
	}
	value := map[string]any{}
	if raw := s.Properties["value"]; isObject(raw) {
		if err := json.Unmarshal(raw, &value); err != nil {
			return nil, fmt.Errorf("property \"value\": %w", err)
		}
	}
	// AutoGPT drops the pin's own description and default: the node's
	// take their place.
	delete(value, "description")
	delete(value, "default")
	delete(value, "title")
	return &graphIO{value: value, defaults: in.defaults}, nil
}

// GraphField describes the graph input or output that a node of block
// blockID with these defaults declares; false for a block that is neither
// a graph input nor a graph output, or a node without a name.
func (r *Registry) GraphField(blockID string, defaults map[string]any) (GraphField, bool) {
	e, ok := r.byID[blockID]
	if !ok || e.io == nil {
		return GraphField{}, false
	}
	name, _ := defaults["name"].(string)
	if name == "" {
		return GraphField{}, false
	}
	get := func(k string) any {
		if v, ok := defaults[k]; ok && v != nil {
			return v
		}
		return e.io.defaults[k]
	}
	s := maps.Clone(e.io.value)
	if choices := firstList(get("options"), get("placeholder_values")); len(choices) > 0 {
		s["enum"] = choices
	}
	if s["format"] == "table" {
		cols := map[string]any{}
		headers, _ := get("column_headers").([]any)
		for _, h := range headers {
			cols[textOf(h)] = map[string]any{"type": "string"}
		}
		s["items"] = map[string]any{"type": "object", "properties": cols}
	}
	secret, _ := get("secret").(bool)
	advanced, _ := get("advanced").(bool)
	value := get("value")
	title, _ := get("title").(string)
	if title == "" {
		title = name
	}
	s["title"] = title
	s["secret"] = secret
	// As in AutoGPT: only an input that has a value may hide in the
	// advanced section.
	s["advanced"] = advanced && value != nil
	if d, _ := get("description").(string); d != "" {
		s["description"] = d
	}
	if secret {
		s["writeOnly"] = true
	} else if value != nil {
		s["default"] = value
	}
	return GraphField{Name: name, Schema: s, Required: value == nil, Secret: secret}, true
}

// Check checks a run's value of a graph input for what the field's schema
// says beyond its block's input schema (which the engine checks too): one
// of its enum, a valid date or time. A secret's value is never quoted.
func (f GraphField) Check(v any) error {
	if enum, _ := f.Schema["enum"].([]any); len(enum) > 0 {
		if err := checkChoice(v, enum, f.Secret); err != nil {
			return err
		}
	}
	format, _ := f.Schema["format"].(string)
	if _, err := checkFormat(format, v); err != nil {
		if f.Secret {
			return fmt.Errorf("the value is not a valid %s", format)
		}
		return err
	}
	return nil
}

// firstList is the first of vs that is a non-empty list.
func firstList(vs ...any) []any {
	for _, v := range vs {
		if l, ok := v.([]any); ok && len(l) > 0 {
			return l
		}
	}
	return nil
}
