package blocks

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// schemaShape is what the registry needs to know of an object schema: its
// property names in declaration order (so pins list in a stable, meaningful
// order), its required names, its defaults and whether other properties are
// allowed.
type schemaShape struct {
	properties []string
	required   []string
	defaults   map[string]any
	open       bool
}

// parseShape reads an object schema. Property order is taken from the JSON
// text itself, which a map decode would lose.
func parseShape(raw json.RawMessage) (schemaShape, error) {
	var s struct {
		Properties           json.RawMessage `json:"properties"`
		Required             []string        `json:"required"`
		AdditionalProperties json.RawMessage `json:"additionalProperties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return schemaShape{}, fmt.Errorf("schema: %w", err)
	}
	shape := schemaShape{required: s.Required, defaults: map[string]any{}}
	// Absent or anything but `false` means other properties are allowed.
	shape.open = !bytes.Equal(bytes.TrimSpace(s.AdditionalProperties), []byte("false"))
	if len(s.Properties) == 0 {
		return shape, nil
	}
	names, err := objectKeys(s.Properties)
	if err != nil {
		return schemaShape{}, err
	}
	shape.properties = names
	var props map[string]json.RawMessage
	if err := json.Unmarshal(s.Properties, &props); err != nil {
		return schemaShape{}, fmt.Errorf("schema properties: %w", err)
	}
	for name, raw := range props {
		// A property's schema may be the boolean `true` (any value): it has
		// no default.
		var p struct {
			Default any `json:"default"`
		}
		if !isObject(raw) {
			continue
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return schemaShape{}, fmt.Errorf("schema of property %q: %w", name, err)
		}
		if p.Default != nil {
			shape.defaults[name] = p.Default
		}
	}
	return shape, nil
}

// objectKeys returns the top-level keys of a JSON object in text order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("schema properties: not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("schema properties: %w", err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, fmt.Errorf("schema properties: %w", err)
		}
	}
	return keys, nil
}

// isObject reports whether raw JSON is an object (not `true`, `false`, …).
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}
