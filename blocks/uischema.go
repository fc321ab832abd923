package blocks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// uiInfo is what an editor needs beyond a block's input schema (the seed's
// BlockSchema.ui_schema and examples), derived from the schema once, when
// the registry is built.
type uiInfo struct {
	schema   json.RawMessage // react-jsonschema-form uiSchema
	examples json.RawMessage // a JSON array holding one example input
}

// UISchema returns a block's form hints, in react-jsonschema-form's uiSchema
// shape: "ui:order" lists the input pins in declaration order, and each pin
// that needs one gets a title and a widget ("password" for secrets,
// "textarea" for long text, "select" for a choice, "updown" for numbers,
// "checkbox" for flags). Nil for an unknown block.
func (r *Registry) UISchema(id string) json.RawMessage {
	if e, ok := r.byID[id]; ok {
		return e.ui.schema
	}
	return nil
}

// Examples returns a JSON array of example inputs for a block (the seed's
// generate_example): one object built from the schema's examples and
// defaults, with a placeholder of the right type for every required pin
// that has neither. It passes the block's input validation. Nil for an
// unknown block.
func (r *Registry) Examples(id string) json.RawMessage {
	if e, ok := r.byID[id]; ok {
		return e.ui.examples
	}
	return nil
}

// propSchema is the part of a property's schema the hints are made from.
type propSchema struct {
	Type        json.RawMessage   `json:"type"`
	Format      string            `json:"format"`
	Description string            `json:"description"`
	Enum        []json.RawMessage `json:"enum"`
	Const       json.RawMessage   `json:"const"`
	Default     json.RawMessage   `json:"default"`
	Examples    []json.RawMessage `json:"examples"`
	MaxLength   *int              `json:"maxLength"`
	Minimum     *float64          `json:"minimum"`
	WriteOnly   bool              `json:"writeOnly"`
	OneOf       []propSchema      `json:"oneOf"`
	AnyOf       []propSchema      `json:"anyOf"`
}

// types lists the property's JSON types (none for an untyped pin).
func (p *propSchema) types() []string {
	var one string
	if json.Unmarshal(p.Type, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(p.Type, &many)
	return many
}

func (p *propSchema) is(t string) bool { return slices.Contains(p.types(), t) }

// Names that hold secrets or long text, the way AutoGPT's blocks name them.
var (
	secretName   = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|credential)`)
	longTextName = map[string]bool{"text": true, "prompt": true, "sys_prompt": true, "system_prompt": true,
		"body": true, "template": true, "json_string": true, "content": true, "message": true}
)

// longTextLength is the maxLength above which a text gets a textarea.
const longTextLength = 200

func newUIInfo(inputSchema json.RawMessage, shape schemaShape) (uiInfo, error) {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(inputSchema, &s); err != nil {
		return uiInfo{}, err
	}
	// "*" lets the form place properties the schema allows but does not
	// list (dynamic pins): react-jsonschema-form refuses an order without it.
	order := append(slices.Clone(shape.properties), "*")
	ui := map[string]any{"ui:order": order}
	example := map[string]json.RawMessage{}
	for _, name := range shape.properties {
		var p propSchema // a boolean schema (`true`: any value) says nothing more
		if raw := s.Properties[name]; isObject(raw) {
			if err := json.Unmarshal(raw, &p); err != nil {
				return uiInfo{}, fmt.Errorf("property %q: %w", name, err)
			}
		}
		hints := map[string]any{"ui:title": title(name)}
		if w := widget(name, &p); w != "" {
			hints["ui:widget"] = w
		}
		ui[name] = hints
		switch {
		case len(p.Examples) > 0:
			example[name] = p.Examples[0]
		case len(p.Default) > 0:
			example[name] = p.Default
		case slices.Contains(shape.required, name):
			example[name] = examplePlaceholder(&p)
		}
	}
	schema, err := json.Marshal(ui)
	if err != nil {
		return uiInfo{}, err
	}
	examples, err := json.Marshal([]any{example})
	if err != nil {
		return uiInfo{}, fmt.Errorf("examples: %w", err)
	}
	return uiInfo{schema: schema, examples: examples}, nil
}

// widget picks the form widget of one input pin; "" leaves the form's own
// choice (untyped pins, lists and dictionaries).
func widget(name string, p *propSchema) string {
	switch {
	case p.is("string") && (p.Format == "password" || p.WriteOnly || secretName.MatchString(name)):
		return "password"
	case len(p.Enum) > 0:
		return "select"
	case p.is("string") && (longTextName[name] || p.Format == "long-text" || p.MaxLength != nil && *p.MaxLength > longTextLength ||
		strings.Contains(strings.ToLower(p.Description), "template")):
		return "textarea"
	case p.is("integer") || p.is("number"):
		return "updown"
	case p.is("boolean"):
		return "checkbox"
	}
	return ""
}

// examplePlaceholder is a value of the pin's type for an example input.
func examplePlaceholder(p *propSchema) json.RawMessage {
	if len(p.Const) > 0 {
		return p.Const
	}
	if len(p.Enum) > 0 {
		return p.Enum[0]
	}
	if alts := slices.Concat(p.OneOf, p.AnyOf); len(alts) > 0 {
		return examplePlaceholder(&alts[0])
	}
	ts := p.types()
	if len(ts) == 0 {
		return json.RawMessage(`"example"`)
	}
	switch ts[0] {
	case "string":
		if p.Format == "uri" || p.Format == "url" {
			return json.RawMessage(`"https://example.com"`)
		}
		return json.RawMessage(`"example"`)
	case "integer", "number":
		if p.Minimum != nil && *p.Minimum > 0 {
			raw, _ := json.Marshal(*p.Minimum)
			return raw
		}
		return json.RawMessage(`0`)
	case "boolean":
		return json.RawMessage(`false`)
	case "array":
		return json.RawMessage(`[]`)
	case "object":
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(`null`)
}

// title turns a pin name into a label: "round_result" → "Round result".
func title(name string) string {
	s := strings.TrimSpace(strings.ReplaceAll(name, "_", " "))
	if s == "" {
		return name
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
