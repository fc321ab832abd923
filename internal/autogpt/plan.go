package autogpt

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// MetadataKey is the node metadata key under which Import keeps the
// defaults given for pins the block does not have here; Export writes them
// back into input_default.
const MetadataKey = "autogpt_input_default"

// agentExecutorID is AutoGPT's AgentExecutorBlock, which is ours too.
const agentExecutorID = "e189baac-8c20-45a1-94a7-55177ea42565"

// defaultName names an agent exported without a name.
const defaultName = "Imported agent"

// Plan is what Import makes of a document before anything is stored.
type Plan struct {
	// Bundle holds the graphs to store, each sub-graph before the graphs
	// that run it; the document's own graph is last.
	Bundle []graphs.BundleGraph
	// Sources are the AutoGPT graphs the Bundle's entries come from.
	Sources []*Graph
	// Report lists what was not taken as it was, so far: among it, one
	// UnknownBlock entry per node whose block does not exist here.
	Report []Entry
}

// NewPlan maps a decoded export to graph specs. name, when given, replaces
// the document's own name. Nothing is stored.
func NewPlan(doc *Graph, reg *blocks.Registry, name *string) (*Plan, error) {
	o := &orderer{doc: doc, byKey: map[subKey]*Graph{}, byID: map[string][]*Graph{}, state: map[*Graph]int{},
		runs: map[*Graph]map[string]*Graph{}}
	o.index(doc.SubGraphs)
	if err := o.visit(doc, nil); err != nil {
		return nil, err
	}
	p := &Plan{Sources: o.order, Report: o.matched}
	pos := make(map[*Graph]int, len(o.order))
	for i, g := range o.order {
		pos[g] = i
	}
	for _, sub := range o.all {
		if _, used := pos[sub]; !used {
			p.Report = append(p.Report, Entry{Kind: KeyDropped, Graph: sub.ID,
				Message: fmt.Sprintf("sub-graph %s (%q, version %d) is run by no node of the agent: it is not imported", sub.ID, sub.Name, sub.Version)})
		}
	}
	for _, g := range o.order {
		c := &converter{reg: reg, plan: p, doc: doc, src: g}
		spec, err := c.spec(g == doc, name)
		if err != nil {
			return nil, err
		}
		bg := graphs.BundleGraph{Spec: spec, Runs: map[string]int{}}
		for nodeID, target := range o.runs[g] {
			bg.Runs[nodeID] = pos[target]
		}
		p.Bundle = append(p.Bundle, bg)
	}
	return p, nil
}

type subKey struct {
	id      string
	version int
}

// orderer finds the sub-graph each AgentExecutorBlock node runs and orders
// the graphs so that every one comes after those it runs.
type orderer struct {
	doc   *Graph
	byKey map[subKey]*Graph
	byID  map[string][]*Graph
	all   []*Graph // every sub-graph, in document order
	state map[*Graph]int
	order []*Graph
	runs  map[*Graph]map[string]*Graph // graph → node id → the sub-graph it runs
	// matched reports the sub-graphs found by their schemas, not their ids.
	matched []Entry
}

const (
	visiting = 1
	done     = 2
)

// index records sub-graphs, with any they list themselves (AutoGPT lists
// them all at the top, flattened; nesting is read too).
func (o *orderer) index(subs []Graph) {
	for i := range subs {
		s := &subs[i]
		k := subKey{s.ID, s.Version}
		if _, dup := o.byKey[k]; !dup {
			o.byKey[k] = s
			o.byID[s.ID] = append(o.byID[s.ID], s)
			o.all = append(o.all, s)
		}
		o.index(s.SubGraphs)
	}
}

// visit orders g after the sub-graphs its nodes run; path is the chain of
// graphs that led here, to name a loop.
func (o *orderer) visit(g *Graph, path []*Graph) error {
	switch o.state[g] {
	case done:
		return nil
	case visiting:
		names := make([]string, 0, len(path)+1)
		for _, p := range path {
			names = append(names, p.ID)
		}
		return model.Invalid("document", "sub-agents run one another in a loop (%s → %s): an agent here cannot run itself",
			strings.Join(names, " → "), g.ID)
	}
	o.state[g] = visiting
	path = append(path, g)
	for _, n := range g.Nodes {
		if n.BlockID != agentExecutorID {
			continue
		}
		target, err := o.target(g, n)
		if err != nil {
			return err
		}
		if o.runs[g] == nil {
			o.runs[g] = map[string]*Graph{}
		}
		o.runs[g][n.ID] = target
		if err := o.visit(target, path); err != nil {
			return err
		}
	}
	o.state[g] = done
	o.order = append(o.order, g)
	return nil
}

// target is the sub-graph node n runs: the one with its graph_id and
// graph_version, or the only one with its graph_id.
func (o *orderer) target(g *Graph, n Node) (*Graph, error) {
	id, _ := n.InputDefault["graph_id"].(string)
	if id == "" {
		return nil, model.Invalid("document", "%snode %s (AgentExecutorBlock) names no graph_id", where(o.doc, g), n.ID)
	}
	if id == o.doc.ID {
		return o.doc, nil // a loop: visit names it
	}
	version, _ := intOf(n.InputDefault["graph_version"])
	if s, ok := o.byKey[subKey{id, version}]; ok {
		return s, nil
	}
	if cands := o.byID[id]; len(cands) == 1 {
		return cands[0], nil
	}
	// AutoGPT's own example agents list their sub-graphs under other ids
	// than their nodes name; the node also holds the sub-graph's input and
	// output schemas, which name it well enough when one alone fits.
	if s := o.bySchemas(n, version); s != nil {
		o.matched = append(o.matched, Entry{Kind: SubGraphMatched, Graph: g.ID, Node: n.ID, Block: "AgentExecutorBlock",
			Message: fmt.Sprintf("%snode %s runs agent %s version %d, which sub_graphs does not hold by that id: sub-graph %s (%q) has its version, inputs and outputs, and is the one it runs",
				where(o.doc, g), n.ID, id, version, s.ID, s.Name)})
		return s, nil
	}
	return nil, model.Invalid("document", "%snode %s runs agent %s version %d, which the export's sub_graphs do not hold", where(o.doc, g), n.ID, id, version)
}

// bySchemas is the only sub-graph of the version whose input and output
// names are those of the schemas node n holds; nil when none or several.
func (o *orderer) bySchemas(n Node, version int) *Graph {
	in, out := propertyNames(n.InputDefault["input_schema"]), propertyNames(n.InputDefault["output_schema"])
	if in == nil && out == nil {
		return nil
	}
	var found *Graph
	for _, s := range o.all {
		if s.Version != version || !slices.Equal(in, rawPropertyNames(s.InputSchema)) || !slices.Equal(out, rawPropertyNames(s.OutputSchema)) {
			continue
		}
		if found != nil {
			return nil
		}
		found = s
	}
	return found
}

// propertyNames are the sorted property names of a JSON schema object;
// nil when v is none.
func propertyNames(v any) []string {
	m, _ := v.(map[string]any)
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return nil
	}
	return sortedKeys(props)
}

func rawPropertyNames(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return propertyNames(v)
}

// where names a sub-graph at the start of a message; nothing for the
// document's own graph.
func where(doc, g *Graph) string {
	if g == doc {
		return ""
	}
	return fmt.Sprintf("sub-graph %s: ", g.ID)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func intOf(v any) (int, bool) {
	switch t := v.(type) {
	case json.Number:
		i, err := t.Int64()
		return int(i), err == nil
	case float64:
		return int(t), t == float64(int(t))
	case int:
		return t, true
	}
	return 0, false
}

func floatOf(v any) float64 {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case float64:
		return t
	case int:
		return float64(t)
	}
	return 0
}

// converter maps one AutoGPT graph to a spec, adding to the plan's report.
type converter struct {
	reg  *blocks.Registry
	plan *Plan
	doc  *Graph // the document's own graph
	src  *Graph // the graph being converted
}

func (c *converter) add(e Entry) {
	e.Graph = c.src.ID
	c.plan.Report = append(c.plan.Report, e)
}

func (c *converter) spec(main bool, name *string) (*model.GraphSpec, error) {
	g := c.src
	if len(g.Nodes) > graphs.MaxNodes || len(g.Links) > graphs.MaxLinks {
		return nil, model.Invalid("document", "%sa graph holds at most %d nodes and %d links (this one: %d and %d)",
			where(c.doc, g), graphs.MaxNodes, graphs.MaxLinks, len(g.Nodes), len(g.Links))
	}
	spec := &model.GraphSpec{Name: c.name(main, name)}
	if main && name != nil && spec.Name == "" {
		return nil, model.Invalid("name", "must be 1 to %d characters", graphs.MaxNameLen)
	}
	if d := strings.TrimSpace(g.Description); d != "" {
		if utf8.RuneCountInString(d) > graphs.MaxDescLen {
			d = string([]rune(d)[:graphs.MaxDescLen-1]) + "…"
			c.add(Entry{Kind: DescriptionShortened, Message: fmt.Sprintf("the description of %q was %d characters: it is cut to %d",
				g.Name, utf8.RuneCountInString(g.Description), graphs.MaxDescLen)})
		}
		spec.Description = &d
	}
	for _, n := range g.Nodes {
		ns, ok, err := c.node(n)
		if err != nil {
			return nil, err
		}
		if ok {
			spec.Nodes = append(spec.Nodes, ns)
		}
	}
	for i, l := range g.Links {
		for _, pin := range []string{l.SourceName, l.SinkName} {
			if len(pin) > graphs.MaxPinLen {
				return nil, model.Invalid("document", "%slink %s: pin names may be at most %d characters", where(c.doc, g), linkName(l, i), graphs.MaxPinLen)
			}
		}
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: l.SourceID, SinkKey: l.SinkID,
			SourceName: l.SourceName, SinkName: l.SinkName, IsStatic: l.IsStatic})
	}
	c.normalize(spec)
	for i := range spec.Nodes {
		if err := c.keepUnknownKeys(&spec.Nodes[i]); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// name is the graph's name: the argument for the document's own graph, else
// its name in the export, trimmed and cut to MaxNameLen.
func (c *converter) name(main bool, arg *string) string {
	if main && arg != nil {
		return strings.TrimSpace(*arg)
	}
	n := strings.TrimSpace(c.src.Name)
	switch {
	case n == "":
		c.add(Entry{Kind: NameChanged, Message: fmt.Sprintf("the agent has no name: it is named %q", defaultName)})
		return defaultName
	case utf8.RuneCountInString(n) > graphs.MaxNameLen:
		cut := string([]rune(n)[:graphs.MaxNameLen])
		c.add(Entry{Kind: NameChanged, Message: fmt.Sprintf("the name %q is longer than %d characters: it is cut to %q", n, graphs.MaxNameLen, cut)})
		return cut
	}
	return n
}

// node maps one node. A node whose block does not exist here gets
// UnavailableBlock, which takes its links as they are, and keeps its block
// and defaults in its metadata for Export; the report names it.
func (c *converter) node(n Node) (model.NodeSpec, bool, error) {
	g := c.src
	if utf8.RuneCountInString(n.ID) > graphs.MaxKeyLen {
		return model.NodeSpec{}, false, model.Invalid("document", "%snode id %q is longer than %d characters", where(c.doc, g), n.ID, graphs.MaxKeyLen)
	}
	b, known := c.reg.ByID(n.BlockID)
	if !known {
		b, _ = c.reg.ByID(blocks.UnavailableBlockID)
	}
	if b == nil {
		return model.NodeSpec{}, false, model.Invalid("document", "%snode %s uses block %s, which does not exist here", where(c.doc, g), n.ID, n.BlockID)
	}
	ns := model.NodeSpec{Key: n.ID, BlockID: b.Info().ID, InputDefault: map[string]any{}, Metadata: map[string]any{}}
	for k, v := range n.Metadata {
		ns.Metadata[k] = v
	}
	if known {
		for k, v := range n.InputDefault {
			ns.InputDefault[k] = v
		}
		if b.Info().ID == blocks.UnavailableBlockID { // already a stand-in: reported all the same
			c.add(Entry{Kind: UnknownBlock, Node: n.ID, Block: blocks.UnavailableName(ns.Metadata), Problem: model.ProblemUnknownBlock,
				Message: fmt.Sprintf("%snode %s is on UnavailableBlock, which stands for a block that does not exist here: executeGraph refuses the graph until it is replaced",
					where(c.doc, g), n.ID)})
		}
	} else {
		c.unavailable(n, &ns)
	}
	if pos, ok := ns.Metadata["position"].(map[string]any); ok {
		ns.X, ns.Y = floatOf(pos["x"]), floatOf(pos["y"])
		delete(ns.Metadata, "position")
	}
	if label, ok := ns.Metadata["customized_name"].(string); ok && utf8.RuneCountInString(label) <= graphs.MaxKeyLen {
		ns.Label = label
	}
	if n.BlockID == agentExecutorID {
		// A sub-agent runs as its parent's user here; AutoGPT stores the
		// user's id in the node.
		if uid, ok := ns.InputDefault["user_id"]; ok {
			delete(ns.InputDefault, "user_id")
			if s, _ := uid.(string); s != "" {
				c.add(Entry{Kind: KeyDropped, Node: n.ID, Block: b.Info().Name, Pin: "user_id",
					Message: fmt.Sprintf("node %s: user_id is dropped: a sub-agent runs as the user who runs its parent", n.ID)})
			}
		}
	}
	return ns, true, nil
}

// unavailable keeps, in the metadata of node n's spec ns (on
// UnavailableBlock), the block n uses and its defaults as they are, and
// reports it: the graph is stored with it, but does not run.
func (c *converter) unavailable(n Node, ns *model.NodeSpec) {
	name := BlockName(n.BlockID)
	def := n.InputDefault
	if def == nil {
		def = map[string]any{}
	}
	kept := map[string]any{"block_id": n.BlockID, "input_default": def}
	what := fmt.Sprintf("block %s, which AutoGPT's library as known here does not name", n.BlockID)
	if name != unknownBlockName {
		kept["name"] = name
		what = fmt.Sprintf("AutoGPT's %s (block %s)", name, n.BlockID)
	} else {
		name = ""
	}
	ns.Metadata[blocks.UnavailableMetaKey] = kept
	c.add(Entry{Kind: UnknownBlock, Node: n.ID, Block: name, Problem: model.ProblemUnknownBlock,
		Message: fmt.Sprintf("%snode %s uses %s, which does not exist here: the node is kept, with its links and defaults, on UnavailableBlock; executeGraph refuses the graph until it is replaced",
			where(c.doc, c.src), n.ID, what)})
}

// normalize reads AutoGPT's pin names and null defaults as ours
// (graphcheck.Normalize) and reports each renamed pin.
func (c *converter) normalize(spec *model.GraphSpec) {
	blockOf := make(map[string]string, len(spec.Nodes))
	for _, n := range spec.Nodes {
		blockOf[n.Key] = c.blockName(n.BlockID)
	}
	for _, r := range graphcheck.Normalize(spec, c.reg) {
		e := Entry{Kind: PinRenamed, Node: r.NodeKey, Block: blockOf[r.NodeKey], Pin: r.From}
		if r.LinkIndex >= 0 {
			e.Link = c.src.Links[r.LinkIndex].ID
		}
		switch r.Kind {
		case graphcheck.NullDropped:
			continue // null is AutoGPT's "unset": taken as it is meant
		case graphcheck.PinRenamed:
			if r.LinkIndex >= 0 {
				e.Message = fmt.Sprintf("link %s into node %s: AutoGPT's pin %q is %q here", e.Link, r.NodeKey, r.From, r.To)
			} else {
				e.Message = fmt.Sprintf("node %s: the default of AutoGPT's pin %q is given to %q here", r.NodeKey, r.From, r.To)
			}
		case graphcheck.ChildInput:
			e.Message = fmt.Sprintf("link %s feeds the sub-agent's input %q of node %s through its pin %q", e.Link, r.From, r.NodeKey, r.To)
		}
		c.add(e)
	}
}

// keepUnknownKeys moves the defaults of pins the block does not have into
// the node's metadata (MetadataKey): createGraph would refuse them, and
// Export writes them back.
func (c *converter) keepUnknownKeys(n *model.NodeSpec) error {
	kept := map[string]any{}
	for _, k := range sortedKeys(n.InputDefault) {
		if c.reg.HasInputPin(n.BlockID, k) {
			continue
		}
		kept[k] = n.InputDefault[k]
		delete(n.InputDefault, k)
		c.add(Entry{Kind: KeptAsMetadata, Node: n.Key, Block: c.blockName(n.BlockID), Pin: k,
			Message: fmt.Sprintf("node %s: %s has no input %q here: its default is kept in the node's metadata (%s), unused", n.Key, c.blockName(n.BlockID), k, MetadataKey)})
	}
	if len(kept) > 0 {
		n.Metadata[MetadataKey] = kept
	}
	def, _ := json.Marshal(n.InputDefault)
	meta, _ := json.Marshal(n.Metadata)
	if size := len(def) + len(meta); size > graphs.MaxDefaultJSON {
		return model.Invalid("document", "%snode %s: its input_default and metadata are %d bytes; a node's may be at most %d",
			where(c.doc, c.src), n.Key, size, graphs.MaxDefaultJSON)
	}
	return nil
}

func (c *converter) blockName(id string) string {
	if b, ok := c.reg.ByID(id); ok {
		return b.Info().Name
	}
	return BlockName(id)
}
