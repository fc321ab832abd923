package blocks

import "context"

type agentInputIn struct {
	Name        string `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value       any    `json:"value,omitempty" jsonschema_description:"The value passed in (the run's input, or this default)."`
	Title       string `json:"title,omitempty" jsonschema_description:"A display title for the input."`
	Description string `json:"description,omitempty" jsonschema_description:"A description of the input."`
}

type agentInputOut struct {
	Result any `json:"result" jsonschema_description:"The value passed as input."`
}

// AgentInputBlock is a graph's entry point: the engine feeds the run's input
// named `name` into `value`. Like AutoGPT's, it yields nothing when there is
// no value, so an optional input left out does not trigger its consumers.
func AgentInputBlock() Block {
	return Define[agentInputIn, agentInputOut](Info{
		ID:          "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b",
		Name:        "AgentInputBlock",
		Description: "Accepts a named input value of the graph and passes it on.",
		Categories:  []Category{CategoryInput},
		Type:        TypeInput,
	}, func(_ context.Context, _ *RunContext, in agentInputIn, emit Emit) error {
		if in.Value == nil {
			return nil
		}
		return emit("result", in.Value)
	})
}

type agentOutputIn struct {
	Name        string `json:"name" jsonschema_description:"The name of the graph output."`
	Value       any    `json:"value,omitempty" jsonschema_description:"The value recorded as output."`
	Title       string `json:"title,omitempty" jsonschema_description:"A display title for the output."`
	Description string `json:"description,omitempty" jsonschema_description:"A description of the output."`
	Format      string `json:"format,omitempty" jsonschema_description:"Optional template for the recorded value: {{value}} (or {{<name>}}) is replaced by the value."`
}

type agentOutputOut struct {
	Output any `json:"output" jsonschema_description:"The value recorded as output, formatted when a format is given."`
}

// AgentOutputBlock records a named output of the graph. A format template
// sees the value both as {{value}} and, as in AutoGPT, under the output's
// own name.
func AgentOutputBlock() Block {
	return Define[agentOutputIn, agentOutputOut](Info{
		ID:          "363ae599-353e-4804-937e-b2ee3cef3da4",
		Name:        "AgentOutputBlock",
		Description: "Records a named output of the graph, optionally formatted with a {{value}} template.",
		Categories:  []Category{CategoryOutput},
		Type:        TypeOutput,
	}, func(_ context.Context, _ *RunContext, in agentOutputIn, emit Emit) error {
		if in.Format == "" {
			return emit("output", in.Value)
		}
		values := map[string]any{"value": in.Value}
		if in.Name != "" && in.Name != "value" {
			values[in.Name] = in.Value
		}
		return emit("output", renderTemplate(in.Format, values))
	})
}
