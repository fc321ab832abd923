package resolvers

import (
	"context"
	"encoding/json"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
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

// A secret output (AgentOutputBlock secret: true) is recorded for the run's
// owner, whose clients mask it from the graph's output schema. A
// share-token reader cannot read that schema (GraphExecution.graph is
// null), so the values are masked for it here: each value of the run's
// output of that name, and of its node's executions' outputs, reads
// secretMask (the lists keep their length).

// sharedOutputs are a run's outputs as a share-token reader reads them.
func (r *Resolver) sharedOutputs(ctx context.Context, e *model.GraphExecution, outputs gqlscalar.JSON) gqlscalar.JSON {
	k := model.GraphKey{ID: e.GraphID, Version: e.GraphVersion}
	s, err := r.secretsOf(ctx, k)
	var names []string
	switch {
	case err != nil: // cannot tell which: hide them all
		var m map[string]json.RawMessage
		_ = json.Unmarshal(outputs, &m)
		for name := range m {
			names = append(names, name)
		}
	case s[k] != nil:
		names = s[k].outputs
	}
	return gqlscalar.JSON(maskValues(json.RawMessage(outputs), names))
}

// hideSecretOutputNode masks the outputs of a node execution whose input
// says `secret: true` (a secret output's node, as hideSecretNodeExecution
// reads it), for a share-token reader.
func hideSecretOutputNode(n *gql.NodeExecution) {
	if _, secret := secretInput(n); !secret {
		return
	}
	var out map[string]json.RawMessage
	if json.Unmarshal(n.Outputs, &out) != nil {
		return
	}
	names := make([]string, 0, len(out))
	for pin := range out {
		names = append(names, pin)
	}
	n.Outputs = gqlscalar.JSON(maskValues(json.RawMessage(n.Outputs), names))
}

// maskValues replaces each value of the lists under names in a JSON object
// of name → list of values (a value that is not a list, whole).
func maskValues(raw json.RawMessage, names []string) json.RawMessage {
	return maskObject(raw, names, func(vs json.RawMessage) json.RawMessage {
		var list []json.RawMessage
		if json.Unmarshal(vs, &list) != nil {
			return maskJSON
		}
		for i := range list {
			list[i] = maskJSON
		}
		b, _ := json.Marshal(list)
		return b
	})
}
