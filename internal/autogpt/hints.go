package autogpt

import (
	"slices"

	"github.com/agentgraph/agentgraph/internal/model"
)

// cycleHint says how the loop of a CYCLE problem is written without one
// here, from the blocks on it: AutoGPT's agents loop back for a model's
// tool calls, to build a list item by item, or to retry.
func cycleHint(spec *model.GraphSpec, blockName func(id string) string, p model.Problem) string {
	var names []string
	for _, n := range spec.Nodes {
		if slices.Contains(p.NodeKeys, n.Key) {
			names = append(names, blockName(n.BlockID))
		}
	}
	has := func(ns ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(ns, n) })
	}
	switch {
	case has("SmartDecisionMakerBlock"):
		return "the tool results loop back into SmartDecisionMakerBlock: set its agent_mode_max_iterations " +
			"(agent mode: it calls its tools and reads their results itself) and remove the links back into it"
	case has("AddToListBlock", "AddToDictionaryBlock", "CreateListBlock", "StepThroughItemsBlock"):
		return "a list is built by feeding it back round the loop: go through the items with StepThroughItemsBlock " +
			"and gather the results in a collecting block (one run per item; AddToListBlock or CreateListBlock after " +
			"the loop's body) instead of linking the list back"
	}
	return "graphs here may not loop: unroll a retry into a fixed number of steps, or run the loop's body as a " +
		"sub-agent (AgentExecutorBlock) once per item with StepThroughItemsBlock"
}
