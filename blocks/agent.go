package blocks

import (
	"context"
	"errors"
	"fmt"
)

type agentExecutorIn struct {
	GraphID      string         `json:"graph_id" jsonschema_description:"The graph (agent) to run."`
	GraphVersion int            `json:"graph_version" jsonschema:"default=0,minimum=0" jsonschema_description:"Its version; 0 runs the active version."`
	Inputs       map[string]any `json:"inputs,omitempty" jsonschema_description:"The child run's inputs, by AgentInputBlock name (or as dynamic pins inputs_#_name)."`
	AgentName    string         `json:"agent_name,omitempty" jsonschema_description:"A display name for the editor."`
}

// AgentExecutorBlock runs another graph as a child execution and yields its
// outputs, each on a pin named after the child's AgentOutputBlock, so its
// output pins are open (known only from the child graph).
func AgentExecutorBlock() Block {
	return Define[agentExecutorIn, map[string]any](Info{
		ID:          "e189baac-8c20-45a1-94a7-55177ea42565",
		Name:        "AgentExecutorBlock",
		Description: "Executes an existing agent (graph) inside this one and outputs its results.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeAgent,
		Costs: []Cost{{Type: CostRun, Amount: 1, Currency: DefaultCurrency,
			Description: "per sub-agent run started (the sub-agent's own nodes are priced as usual)"}},
	}, func(ctx context.Context, rc *RunContext, in agentExecutorIn, emit Emit) error {
		if rc.Agents == nil {
			return errors.New("AgentExecutorBlock: nested agent runs are not available here (no agent runner)")
		}
		if in.GraphID == "" {
			return errors.New("graph_id is empty")
		}
		inputs := in.Inputs
		if inputs == nil {
			inputs = map[string]any{}
		}
		if err := rc.Agents.RunAgent(ctx, in.GraphID, in.GraphVersion, inputs, emit); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("agent %s: %w", in.GraphID, err)
		}
		return nil
	})
}
