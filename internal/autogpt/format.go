// Package autogpt reads and writes AutoGPT's agent export format: the JSON
// document AutoGPT's "export agent" writes (a graph with its nodes, links
// and the sub-graphs its AgentExecutorBlock nodes run). Import maps it to
// our graph model and says, in a report, everything that could not be taken
// as it was; Export writes a stored graph back in that format. The graph
// service (internal/graphs) stores what Import makes of a document.
package autogpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentgraph/agentgraph/internal/model"
)

// MaxDocumentBytes bounds an export: the API's request body limit, so that
// the CLI and the API take the same documents. AutoGPT's largest example
// agents are about 260 KB.
const MaxDocumentBytes = 4 << 20

// Graph is an AutoGPT graph as its export holds it. Fields this package
// does not use are ignored on import and not written on export.
type Graph struct {
	ID           string          `json:"id"`
	Version      int             `json:"version"`
	IsActive     bool            `json:"is_active"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Nodes        []Node          `json:"nodes"`
	Links        []Link          `json:"links"`
	SubGraphs    []Graph         `json:"sub_graphs,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`
	OutputSchema json.RawMessage `json:"output_schema,omitempty"`
}

// Node is one node of an AutoGPT graph.
type Node struct {
	ID           string         `json:"id"`
	BlockID      string         `json:"block_id"`
	InputDefault map[string]any `json:"input_default"`
	Metadata     map[string]any `json:"metadata"`
	// InputLinks and OutputLinks repeat the graph's links per node; an
	// export without a graph-level "links" list is read from them.
	InputLinks  []Link `json:"input_links,omitempty"`
	OutputLinks []Link `json:"output_links,omitempty"`
	GraphID     string `json:"graph_id,omitempty"`
	GraphVer    int    `json:"graph_version,omitempty"`
}

// Link is one link of an AutoGPT graph; nodes are named by their ids.
type Link struct {
	ID         string `json:"id"`
	SourceID   string `json:"source_id"`
	SinkID     string `json:"sink_id"`
	SourceName string `json:"source_name"`
	SinkName   string `json:"sink_name"`
	IsStatic   bool   `json:"is_static"`
}

// Decode reads an export. What is not an AutoGPT agent export is an
// InputError on the "document" argument saying what is wrong.
func Decode(doc []byte) (*Graph, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, model.Invalid("document", "is %d bytes: an export may be at most %d bytes (4 MiB)", len(doc), MaxDocumentBytes)
	}
	if !json.Valid(doc) {
		return nil, model.Invalid("document", "is not an AutoGPT agent export: it is not valid JSON")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(doc, &probe); err != nil || probe == nil {
		return nil, model.Invalid("document", "is not an AutoGPT agent export: it must be a JSON object")
	}
	if _, ok := probe["nodes"]; !ok {
		return nil, model.Invalid("document", "is not an AutoGPT agent export: it has no \"nodes\" list")
	}
	var g Graph
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // numbers stay exact, as createGraph keeps them
	if err := dec.Decode(&g); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, model.Invalid("document", "is not an AutoGPT agent export: %q must be a JSON %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return nil, model.Invalid("document", "is not an AutoGPT agent export: %v", err)
	}
	if err := g.check(""); err != nil {
		return nil, err
	}
	return &g, nil
}

// jsonKind names a Go kind the way a JSON document's author knows it.
func jsonKind(goKind string) string {
	switch goKind {
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return goKind
}

// check refuses a graph (or a sub-graph: where names it) that cannot be read as one:
// nodes without an id or a block, an id used twice, links from or to a node
// the graph does not hold.
func (g *Graph) check(where string) error {
	if g.Links == nil {
		g.Links = nodeLinks(g.Nodes)
	}
	ids := make(map[string]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		switch {
		case n.ID == "":
			return model.Invalid("document", where+"nodes[%d] has no \"id\"", i)
		case n.BlockID == "":
			return model.Invalid("document", where+"node %s has no \"block_id\"", n.ID)
		case ids[n.ID]:
			return model.Invalid("document", where+"node id %s is used by more than one node", n.ID)
		}
		ids[n.ID] = true
	}
	for i, l := range g.Links {
		for _, end := range []string{l.SourceID, l.SinkID} {
			if !ids[end] {
				return model.Invalid("document", where+"link %s goes from node %q to node %q, but the graph has no node %q", linkName(l, i), l.SourceID, l.SinkID, end)
			}
		}
		if l.SourceName == "" || l.SinkName == "" {
			return model.Invalid("document", where+"link %s has no \"source_name\" or \"sink_name\"", linkName(l, i))
		}
	}
	for i := range g.SubGraphs {
		sub := &g.SubGraphs[i]
		if sub.ID == "" {
			return model.Invalid("document", where+"sub_graphs[%d] has no \"id\"", i)
		}
		if err := sub.check(fmt.Sprintf("sub-graph %s: ", sub.ID)); err != nil {
			return err
		}
	}
	return nil
}

func linkName(l Link, i int) string {
	if l.ID != "" {
		return l.ID
	}
	return fmt.Sprintf("links[%d]", i)
}

// nodeLinks gathers the links an export lists per node (each twice: as
// one node's output and the other's input), once each.
func nodeLinks(nodes []Node) []Link {
	links := []Link{}
	seen := map[Link]bool{}
	for _, n := range nodes {
		for _, ls := range [][]Link{n.InputLinks, n.OutputLinks} {
			for _, l := range ls {
				if !seen[l] {
					seen[l] = true
					links = append(links, l)
				}
			}
		}
	}
	return links
}
