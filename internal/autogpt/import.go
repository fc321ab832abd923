package autogpt

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Service imports and exports AutoGPT documents for users, storing and
// reading graphs through the graph service.
type Service struct {
	Graphs   *graphs.Service
	Registry *blocks.Registry
}

// Result is an import: the graph made of the document's own graph, those
// made of its sub-graphs (in the order they were stored), and the report.
type Result struct {
	Graph     *model.FullGraph
	SubGraphs []*model.FullGraph
	Report    []Entry
}

// Import stores the export doc as the user's graphs, sub-graphs first, all
// in one transaction, and reports what it could not take as it was. name,
// when given, names the document's own graph. A document that is not an
// export, or refers to what it does not hold, is an InputError (nothing is
// stored). A graph that does not validate (a loop, an unknown pin, a node
// whose block does not exist here, kept on UnavailableBlock) is stored with
// its problems in the report.
func (s *Service) Import(ctx context.Context, userID uuid.UUID, doc []byte, name *string) (*Result, error) {
	g, err := Decode(doc)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(g, s.Registry, name)
	if err != nil {
		return nil, err
	}
	stored, err := s.Graphs.CreateBundle(ctx, userID, plan.Bundle)
	if err != nil {
		return nil, err
	}
	res := &Result{Report: plan.Report}
	for i, st := range stored {
		src, spec := plan.Sources[i], plan.Bundle[i].Spec
		if st.Renamed {
			res.Report = append(res.Report, Entry{Kind: NameChanged, Graph: src.ID,
				Message: fmt.Sprintf("you already have a graph named like this agent: it is named %q", st.Graph.Name)})
		}
		res.Report = append(res.Report, s.problemEntries(src, spec, st.Problems)...)
		if i == len(stored)-1 {
			res.Graph = st.Graph
		} else {
			res.SubGraphs = append(res.SubGraphs, st.Graph)
		}
	}
	return res, nil
}

// problemEntries reports the validation problems a graph was stored with.
func (s *Service) problemEntries(src *Graph, spec *model.GraphSpec, problems []model.Problem) []Entry {
	blockOf := make(map[string]string, len(spec.Nodes))
	standIn := map[string]bool{} // nodes on UnavailableBlock
	for _, n := range spec.Nodes {
		blockOf[n.Key] = s.blockName(n.BlockID)
		standIn[n.Key] = n.BlockID == blocks.UnavailableBlockID
	}
	out := make([]Entry, 0, len(problems))
	for _, p := range problems {
		if p.Code == model.ProblemUnknownBlock && len(p.NodeKeys) == 1 && standIn[p.NodeKeys[0]] {
			continue // reported by the plan, with AutoGPT's block
		}
		e := Entry{Kind: GraphProblem, Graph: src.ID, Pin: p.Pin, Problem: p.Code, Message: p.Message}
		if p.LinkIndex != nil && *p.LinkIndex < len(src.Links) {
			e.Link = src.Links[*p.LinkIndex].ID
		}
		if len(p.NodeKeys) == 1 || (e.Link != "" && len(p.NodeKeys) > 0) {
			e.Node = p.NodeKeys[len(p.NodeKeys)-1]
			e.Block = blockOf[e.Node]
		}
		if p.Code == model.ProblemCycle {
			e.Kind = Cycle
			e.Message += "; executeGraph refuses the graph until the loop is gone. Here: " + cycleHint(spec, s.blockName, p)
		}
		out = append(out, e)
	}
	return out
}

func (s *Service) blockName(id string) string {
	if b, ok := s.Registry.ByID(id); ok {
		return b.Info().Name
	}
	return BlockName(id)
}
