package blocks

import (
	"context"
	"html"
)

// inputHints are the pins every block of AutoGPT's input family has besides
// name and value. They shape the graph's input schema (GraphField) and the
// run's checks: placeholder_values are the only values the input accepts
// (its enum), secret keeps the value out of the schema and of error
// messages, title, description and advanced are display hints.
type inputHints struct {
	Title             string `json:"title,omitempty" jsonschema_description:"The title of the input (the graph's input schema shows it; the name when empty)."`
	Description       string `json:"description,omitempty" jsonschema_description:"The description of the input."`
	PlaceholderValues []any  `json:"placeholder_values,omitempty" jsonschema_description:"The values the input may take: the graph's input schema lists them as its enum, and any other value is refused (at executeGraph, or failing the node when it comes from a default or a link). Empty: any value."`
	Advanced          bool   `json:"advanced" jsonschema:"default=false" jsonschema_description:"Whether to show the input in the advanced section, if it has a default value."`
	Secret            bool   `json:"secret" jsonschema:"default=false" jsonschema_description:"Whether the input is a secret: the graph's input schema marks it writeOnly and never shows its default, and refusals never quote its value."`
}

// agentInputIn spells inputHints' pins out rather than embedding them: the
// engine's direct decoding (plain.go) takes only flat structs, and every
// run of most graphs goes through this block.
type agentInputIn struct {
	Name              string `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value             any    `json:"value,omitempty" jsonschema_description:"The value passed in (the run's input, or this default)."`
	Title             string `json:"title,omitempty" jsonschema_description:"The title of the input (the graph's input schema shows it; the name when empty)."`
	Description       string `json:"description,omitempty" jsonschema_description:"The description of the input."`
	PlaceholderValues []any  `json:"placeholder_values,omitempty" jsonschema_description:"The values the input may take: the graph's input schema lists them as its enum, and any other value is refused (at executeGraph, or failing the node when it comes from a default or a link). Empty: any value."`
	Advanced          bool   `json:"advanced" jsonschema:"default=false" jsonschema_description:"Whether to show the input in the advanced section, if it has a default value."`
	Secret            bool   `json:"secret" jsonschema:"default=false" jsonschema_description:"Whether the input is a secret: the graph's input schema marks it writeOnly and never shows its default, and refusals never quote its value."`
}

func (in agentInputIn) hints() inputHints {
	return inputHints{Title: in.Title, Description: in.Description, PlaceholderValues: in.PlaceholderValues, Advanced: in.Advanced, Secret: in.Secret}
}

type agentInputOut struct {
	Result any `json:"result" jsonschema_description:"The value passed as input."`
}

// AgentInputBlock is a graph's entry point: the engine feeds the run's input
// named `name` into `value`. Like AutoGPT's, it yields nothing when there is
// no value, so an optional input left out does not trigger its consumers.
func AgentInputBlock() Block {
	return inputBlock[agentInputIn, agentInputOut](Info{
		ID:          "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b",
		Name:        "AgentInputBlock",
		Description: "Accepts a named input value of the graph and passes it on. placeholder_values, when given, are the only values it accepts.",
	}, func(in agentInputIn) (any, []any, error) { return in.Value, in.PlaceholderValues, nil })
}

type agentOutputIn struct {
	Value       any    `json:"value,omitempty" jsonschema_description:"The value recorded as output."`
	Name        string `json:"name" jsonschema_description:"The name of the graph output."`
	Title       string `json:"title,omitempty" jsonschema_description:"A display title for the output (the graph's output schema shows it; the name when empty)."`
	Description string `json:"description,omitempty" jsonschema_description:"A description of the output."`
	Format      string `json:"format,omitempty" jsonschema_description:"Optional template for the recorded value: {{value}} (or {{<name>}}, and dotted paths into it) is replaced by the value."`
	EscapeHTML  bool   `json:"escape_html" jsonschema:"default=false" jsonschema_description:"Whether to HTML-escape the values inserted into format (& < > \" '), for HTML output; the template's own text is kept as is."`
	Advanced    bool   `json:"advanced" jsonschema:"default=false" jsonschema_description:"Whether to treat the output as advanced (a display hint in the graph's output schema)."`
	Secret      bool   `json:"secret" jsonschema:"default=false" jsonschema_description:"Whether the output is a secret: the graph's output schema marks it writeOnly so clients mask it. The value is still recorded for the run's owner."`
}

type agentOutputOut struct {
	Output any `json:"output" jsonschema_description:"The value recorded as output, formatted when a format is given."`
}

// AgentOutputBlock records a named output of the graph. A format template
// sees the value both as {{value}} and, as in AutoGPT, under the output's
// own name. AutoGPT's second output, `name` (the node's own name echoed,
// and only without a format), is not offered: it would add an output to
// every run for a value the graph already holds.
func AgentOutputBlock() Block {
	return Define[agentOutputIn, agentOutputOut](Info{
		ID:          "363ae599-353e-4804-937e-b2ee3cef3da4",
		Name:        "AgentOutputBlock",
		Description: "Records a named output of the graph, optionally formatted with a {{value}} template (values HTML-escaped when escape_html is set).",
		Categories:  []Category{CategoryOutput},
		Type:        TypeOutput,
	}, func(_ context.Context, _ *RunContext, in agentOutputIn, emit Emit) error {
		out := in.Value
		if in.Format != "" {
			values := map[string]any{"value": in.Value}
			if in.Name != "" && in.Name != "value" {
				values[in.Name] = in.Value
			}
			var escape func(string) string
			if in.EscapeHTML {
				escape = html.EscapeString
			}
			out = renderTemplateEscaped(in.Format, values, escape)
		}
		return emit("output", out)
	})
}
