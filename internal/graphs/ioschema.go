package graphs

import (
	"encoding/json"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// IOSchemas are a graph's input and output schemas, as AutoGPT's
// Graph.input_schema and output_schema: an object schema with one property
// per graph-input (or graph-output) node, keyed by its name
// (blocks.Registry.GraphField), and `required` the names without a value.
// Nodes of other blocks, of unknown blocks or without a name are left out.
func IOSchemas(reg *blocks.Registry, nodes []model.Node) (input, output json.RawMessage) {
	in, out := newIOSchema(), newIOSchema()
	for i := range nodes {
		n := &nodes[i]
		var defaults map[string]any
		if json.Unmarshal(n.InputDefault, &defaults) != nil {
			continue
		}
		f, ok := reg.GraphField(n.BlockID.String(), defaults)
		if !ok {
			continue
		}
		b, _ := reg.ByID(n.BlockID.String())
		s := in
		if b.Info().Type == blocks.TypeOutput {
			s = out
		}
		s.Properties[f.Name] = f.Schema
		if f.Required {
			s.Required = append(s.Required, f.Name)
		}
	}
	return in.marshal(), out.marshal()
}

type ioSchema struct {
	Type       string                    `json:"type"`
	Properties map[string]map[string]any `json:"properties"`
	Required   []string                  `json:"required"`
}

func newIOSchema() *ioSchema {
	return &ioSchema{Type: "object", Properties: map[string]map[string]any{}, Required: []string{}}
}

func (s *ioSchema) marshal() json.RawMessage {
	raw, err := json.Marshal(s)
	if err != nil { // only decoded JSON goes in: cannot happen
		return json.RawMessage(`{"type":"object","properties":{},"required":[]}`)
	}
	return raw
}
