package blocks

import "context"

type webhookIn struct {
	Constants map[string]any `json:"constants,omitempty" jsonschema_description:"Values passed on with every payload (for example which source this is)."`
	Payload   any            `json:"payload,omitempty" jsonschema_description:"The body of the webhook delivery that started the run, as JSON. Filled in by the engine; leave unset."`
	Provider  string         `json:"provider,omitempty" jsonschema:"enum=agentgraph,enum=github" jsonschema_description:"Who signs the deliveries: agentgraph (X-Agentgraph-Signature) or github (X-Hub-Signature-256 is accepted too)."`
}

type webhookOut struct {
	Payload   any            `json:"payload" jsonschema_description:"The body of the webhook delivery."`
	Constants map[string]any `json:"constants" jsonschema_description:"The constants given to the block."`
}

// GenericWebhookTriggerBlock (AutoGPT's name and pins) is a graph's entry
// for webhook deliveries: each of its nodes in the active version has an
// ingress URL, and a delivery there starts a run whose payload the engine
// feeds into this node. In a run started otherwise it yields nothing, as an
// AgentInputBlock without a value.
func GenericWebhookTriggerBlock() Block {
	return Define[webhookIn, webhookOut](Info{
		ID:          "8fa8c167-2002-47ce-aba8-97572fc5d387",
		Name:        "GenericWebhookTriggerBlock",
		Description: "Starts the graph when a signed webhook delivery arrives at this node's URL; outputs the delivery's JSON body.",
		Categories:  []Category{CategoryInput},
		Type:        TypeWebhook,
	}, func(_ context.Context, _ *RunContext, in webhookIn, emit Emit) error {
		if in.Payload == nil {
			return nil
		}
		if err := emit("payload", in.Payload); err != nil {
			return err
		}
		constants := in.Constants
		if constants == nil {
			constants = map[string]any{}
		}
		return emit("constants", constants)
	})
}
