package graphcheck

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// RunsItself reports the nodes of graph id that run id itself: an AGENT
// block (AgentExecutorBlock) whose default graph_id is the graph's own. A
// run of it would start a run of it, and so on, each charged (the engine
// stops such nesting at engine.MaxAgentDepth, this says so when the graph
// is saved). Validate cannot see it: a spec has no id until it is stored,
// so updateGraph and the engine ask for it with the id. A graph_id that
// arrives on a link, or a loop through other graphs, is the engine's limit's
// to stop. The problem is an INVALID_DEFAULT on the node's graph_id.
func RunsItself(spec *model.GraphSpec, id uuid.UUID, reg *blocks.Registry) []model.Problem {
	var out []model.Problem
	for _, n := range spec.Nodes {
		b, ok := lookup(reg, n.BlockID)
		if !ok || b.Info().Type != blocks.TypeAgent {
			continue
		}
		s, _ := n.InputDefault["graph_id"].(string)
		if target, err := uuid.Parse(s); err != nil || target != id {
			continue
		}
		out = append(out, model.Problem{Code: model.ProblemInvalidDefault, NodeKeys: []string{n.Key}, Pin: "graph_id",
			Message: fmt.Sprintf("node %q: an agent cannot run the graph it is in (graph_id is this graph's own id)", n.Key)})
	}
	return out
}
