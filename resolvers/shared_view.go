package resolvers

import (
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
)

// A share-token reader sees the run and the shape of the graph that ran
// (graph_shape.go), not what the owner typed into the graph's nodes: the
// nodes a shared run shows (its node executions' nodes, its links' ends)
// read `{}` for their input defaults and metadata. What a node ran with is
// the run's own record: its node execution's inputs. Nor does the reader
// see the owner's preferences, which a run copies into its userContext for
// its blocks: they are the owner's account settings (any key stored, the
// editor's defaultGraphSettings), not the run. The run's time zone and
// locale stay: its times are in them.

// emptyObject is what a share-token reader reads for a node's input
// defaults and metadata and for the run's preferences (read-only: every
// copy shares it).
var emptyObject = gqlscalar.JSON("{}")

// sharedNodes hands out, for each node of the request's graph index, one
// copy without what was typed into it (the index's own values are shared
// by every field of the request and stay as they are).
type sharedNodes map[*gql.Node]*gql.Node

func (s sharedNodes) of(n *gql.Node) *gql.Node {
	if n == nil {
		return nil
	}
	if c, ok := s[n]; ok {
		return c
	}
	c := *n
	c.InputDefault, c.Metadata = emptyObject, emptyObject
	s[n] = &c
	return &c
}
