package autogpt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// childInputPrefix is how a link into an AgentExecutorBlock feeds one of
// the sub-agent's inputs here; AutoGPT names the input alone.
const childInputPrefix = "inputs" + blocks.DictSep

// Export writes the user's graph version (0: the active one) as an AutoGPT
// export, with the graphs its AgentExecutorBlock nodes run (those the user
// may read) as sub_graphs. Node ids are the nodes' keys; pins, defaults
// and links are written the way AutoGPT names them, and the defaults Import
// kept in metadata go back into input_default, so that importing the
// export gives back the same graph.
func (s *Service) Export(ctx context.Context, userID, id uuid.UUID, version int) (json.RawMessage, error) {
	main, err := s.Graphs.Load(ctx, userID, id, version)
	if err != nil {
		return nil, err
	}
	out := s.graph(main)
	seen := map[model.GraphKey]bool{main.Key(): true}
	all := []*Graph{out}
	queue := []*model.FullGraph{main}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, n := range g.Nodes {
			if n.BlockID.String() != agentExecutorID {
				continue
			}
			def := decode(n.InputDefault)
			gid, err := uuid.Parse(str(def["graph_id"]))
			if err != nil {
				continue
			}
			ver, _ := intOf(def["graph_version"])
			sub, err := s.Graphs.Load(ctx, userID, gid, ver)
			if errors.Is(err, model.ErrNotFound) {
				continue // gone, or not the user's: the export cannot hold it
			}
			if err != nil {
				return nil, err
			}
			if seen[sub.Key()] {
				continue
			}
			seen[sub.Key()] = true
			all = append(all, s.graph(sub))
			queue = append(queue, sub)
		}
	}
	fillAgentSchemas(all)
	for _, sg := range all[1:] {
		out.SubGraphs = append(out.SubGraphs, *sg)
	}
	return json.MarshalIndent(out, "", "  ")
}

// graph writes one stored graph version in AutoGPT's form.
func (s *Service) graph(fg *model.FullGraph) *Graph {
	g := &Graph{ID: fg.ID.String(), Version: fg.Version, IsActive: fg.IsActive, Name: fg.Name,
		Nodes: make([]Node, 0, len(fg.Nodes)), Links: make([]Link, 0, len(fg.Links))}
	if fg.Description != nil {
		g.Description = *fg.Description
	}
	keyOf := make(map[uuid.UUID]string, len(fg.Nodes))
	blockOf := make(map[uuid.UUID]string, len(fg.Nodes))
	inputs, outputs := schema(), schema()
	for _, n := range fg.Nodes {
		keyOf[n.ID], blockOf[n.ID] = n.Key, n.BlockID.String()
		def, meta := s.theirDefaults(n.BlockID.String(), decode(n.InputDefault)), decode(n.Metadata)
		blockID := n.BlockID.String()
		if orig, ok := meta[blocks.UnavailableMetaKey].(map[string]any); ok && blockID == blocks.UnavailableBlockID {
			// A node whose block does not exist here: its own block and
			// defaults, as the document had them.
			if id := str(orig["block_id"]); id != "" {
				blockID = id
			}
			if d, ok := orig["input_default"].(map[string]any); ok {
				def = d
			}
			delete(meta, blocks.UnavailableMetaKey)
		}
		if kept, ok := meta[MetadataKey].(map[string]any); ok {
			for k, v := range kept {
				if _, ours := def[k]; !ours {
					def[k] = v
				}
			}
			delete(meta, MetadataKey)
		}
		meta["position"] = map[string]any{"x": n.X, "y": n.Y}
		if _, named := meta["customized_name"]; !named && n.Label != "" {
			meta["customized_name"] = n.Label
		}
		g.Nodes = append(g.Nodes, Node{ID: n.Key, BlockID: blockID, InputDefault: def, Metadata: meta,
			GraphID: g.ID, GraphVer: g.Version})
		if b, ok := s.Registry.ByID(n.BlockID.String()); ok {
			switch b.Info().Type {
			case blocks.TypeInput:
				inputs.add(def, true)
			case blocks.TypeOutput:
				outputs.add(def, false)
			}
		}
	}
	for _, l := range fg.Links {
		g.Links = append(g.Links, Link{ID: l.ID.String(), SourceID: keyOf[l.SourceID], SinkID: keyOf[l.SinkID],
			SourceName: l.SourceName, SinkName: s.theirSink(blockOf[l.SinkID], l.SinkName), IsStatic: l.IsStatic})
	}
	g.InputSchema, g.OutputSchema = inputs.json(), outputs.json()
	return g
}

// theirDefaults renames the defaults of pins AutoGPT names otherwise.
func (s *Service) theirDefaults(blockID string, def map[string]any) map[string]any {
	for _, k := range sortedKeys(def) {
		theirs, alias, ok := s.Registry.TheirInputName(blockID, k)
		if !ok {
			continue
		}
		v := def[k]
		if alias.ToTheirs != nil {
			v = alias.ToTheirs(v)
		}
		delete(def, k)
		def[theirs] = v
	}
	return def
}

// theirSink is AutoGPT's name of a link's sink pin.
func (s *Service) theirSink(blockID, pin string) string {
	if blockID == agentExecutorID {
		if name, ok := strings.CutPrefix(pin, childInputPrefix); ok && name != "" && !blocks.IsDynamicPin(name) {
			return name
		}
	}
	if theirs, _, ok := s.Registry.TheirInputName(blockID, pin); ok {
		return theirs
	}
	return pin
}

// fillAgentSchemas gives each AgentExecutorBlock node that has none the
// input and output schemas of the graph it runs, as AutoGPT's block needs
// them (it reads the sub-agent's inputs from them).
func fillAgentSchemas(all []*Graph) {
	for _, g := range all {
		for _, n := range g.Nodes {
			if n.BlockID != agentExecutorID {
				continue
			}
			id := str(n.InputDefault["graph_id"])
			ver, _ := intOf(n.InputDefault["graph_version"])
			for _, sub := range all {
				if sub.ID != id || (ver != sub.Version && !(ver == 0 && sub.IsActive)) {
					continue
				}
				for k, v := range map[string]json.RawMessage{"input_schema": sub.InputSchema, "output_schema": sub.OutputSchema} {
					if _, ok := n.InputDefault[k]; !ok {
						n.InputDefault[k] = v
					}
				}
				break
			}
		}
	}
}

// objectSchema is the JSON Schema of a graph's inputs or outputs, as
// AutoGPT writes it: one property per input or output block, by name.
type objectSchema struct {
	Type       string                    `json:"type"`
	Properties map[string]map[string]any `json:"properties"`
	Required   []string                  `json:"required"`
}

func schema() *objectSchema {
	return &objectSchema{Type: "object", Properties: map[string]map[string]any{}, Required: []string{}}
}

// add records the input or output block with defaults def.
func (o *objectSchema) add(def map[string]any, input bool) {
	name := str(def["name"])
	if name == "" {
		return
	}
	p := map[string]any{"title": name}
	if t := str(def["title"]); t != "" {
		p["title"] = t
	}
	if d := str(def["description"]); d != "" {
		p["description"] = d
	}
	if v, ok := def["value"]; ok && input {
		p["default"] = v
	} else {
		o.Required = append(o.Required, name)
	}
	o.Properties[name] = p
}

func (o *objectSchema) json() json.RawMessage {
	b, _ := json.Marshal(o)
	return b
}

// decode reads a stored JSON object keeping numbers exact; never nil.
func decode(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&m)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
