package engine

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// graph is a stored graph version prepared for scheduling: blocks resolved,
// defaults decoded, links indexed by source pin and sink.
type graph struct {
	g     *model.FullGraph
	nodes map[uuid.UUID]*gnode
	order []*gnode // graph order (the store's node order)
	entry []*gnode // no incoming links: they start the run
	// pure: every node may run speculatively, so nothing of a run of it
	// reaches outside the run (run.charge charges upfront only then).
	pure bool
}

type gnode struct {
	id       uuid.UUID
	idStr    string
	key      string
	label    string
	blockID  string
	blockUID uuid.UUID // blockID parsed: the ledger line of a charge names it
	block    blocks.Block
	info     *blocks.Info
	outCheck *blocks.OutputCheck // what the block yields is checked against (compiled once per block)
	defaults map[string]any
	linked   []string            // sink pins with an incoming link (static ones included)
	static   []string            // sink pins fed by a static link
	out      map[string][]*glink // by source pin
	// Tool links (blocks.IsToolPin source pins), by sink node id and pin
	// (toolKey): a tool call's argument goes along these only; tools
	// describes their sink nodes to the block (blocks.RunContext.Tools).
	toolLinks map[string][]*glink
	tools     []blocks.ToolSpec
	// speculative: may run before its inputs are committed
	// (mayRunSpeculatively, decided once when the graph is compiled).
	speculative bool
}

type glink struct {
	sink    *gnode
	sinkPin string
	static  bool
	// part: a link from a dynamic pin (`result_#_status`) also takes that
	// part of each value yielded on its base pin (`result`), AutoGPT's way;
	// part is the suffix (`_#_status`), "" for a plain link.
	part string
}

// value is what l carries of a value yielded on the pin it is listed
// under; ok is false when that value has no such part.
func (l *glink) value(v any) (any, bool) {
	if l.part == "" {
		return v, true
	}
	return blocks.PartOf(v, l.part)
}

// name is how messages name a node: its key, and its label when it has one.
func (n *gnode) name() string {
	if n.label != "" && n.label != n.key {
		return fmt.Sprintf("%q (%s)", n.key, n.label)
	}
	return fmt.Sprintf("%q", n.key)
}

func (n *gnode) is(t blocks.Type) bool { return n.info.Type == t }

// mayRunSpeculatively is the engine's one rule for speculative execution:
// whether a node of this block may start as soon as its input is complete
// in memory, before the commit that makes that input (the upstream outputs
// it consumed, its own QUEUED row) durable.
//
// It is safe exactly for blocks whose whole effect is their outputs. The
// writer commits a run's changes in order and publishes nothing before its
// commit, so a speculative node's outputs and status become durable and
// visible only together with, or after, the inputs they came from. If the
// worker dies first, the whole uncommitted suffix is lost together and the
// run's next worker recomputes it: nobody saw it, nothing outside the run
// remembers it. Work that reaches outside the run cannot be taken back
// that way, so these blocks wait for the commit: one that uses the user's
// credentials, calls an integration or an AI model, starts a child run
// (AGENT), or declares other effects (Info.SideEffects: it writes the
// user's stored data). Options.Strict makes every block wait.
//
// A webhook trigger (TypeWebhook) does not wait: its whole effect is its
// outputs, the delivery's payload and its constants, and the payload is the
// run's input, stored with the delivery before the run was claimed; making
// it wait would cost every webhook-started run a commit of its own before
// its first node. A trigger that registers itself with a provider does so
// with credentials, and waits for that reason.
//
// A price is no reason to wait: a node's charge is queued when it starts,
// after the input it consumed, so it commits with or after that input and
// is lost with it in a crash (the user never pays for discarded work); a
// node that must see its charge answered first (run.charge) waits for that
// commit, which holds its input too.
//
// Nodes resumed after a crash start at once whatever this says: their
// input was read back from Postgres, so it is committed already.
func mayRunSpeculatively(info *blocks.Info, strict bool) bool {
	if strict || info.SideEffects || len(info.CredentialProviders) > 0 || info.Credentials != nil {
		return false
	}
	switch info.Type {
	case blocks.TypeAgent, blocks.TypeAI:
		return false
	}
	return !slices.Contains(info.Categories, blocks.CategoryIntegration)
}

// compile resolves a stored graph against the registry. An unknown block is
// an error naming the node (the graph was saved against another library).
func compile(fg *model.FullGraph, reg *blocks.Registry, strict bool) (*graph, error) {
	g := &graph{g: fg, nodes: make(map[uuid.UUID]*gnode, len(fg.Nodes)), pure: true}
	// Nodes that stand for a block missing here (an imported agent's) and
	// loops: importGraph stores such graphs so that they can be fixed, and
	// no run of them starts.
	var refused []model.Problem
	for _, n := range fg.Nodes {
		b, ok := reg.ByID(n.BlockID.String())
		if !ok {
			return nil, model.Invalid("graph", "node %q uses unknown block %s", n.Key, n.BlockID)
		}
		gn := &gnode{id: n.ID, idStr: n.ID.String(), key: n.Key, label: n.Label, blockID: n.BlockID.String(), blockUID: n.BlockID, block: b, info: b.Info(),
			outCheck: reg.OutputCheck(n.BlockID.String()), defaults: map[string]any{}, out: map[string][]*glink{}}
		if len(n.InputDefault) > 0 {
			if err := json.Unmarshal(n.InputDefault, &gn.defaults); err != nil {
				return nil, model.Invalid("graph", "node %q: input defaults are not a JSON object", n.Key)
			}
			if gn.defaults == nil {
				gn.defaults = map[string]any{}
			}
		}
		if gn.info.ID == blocks.UnavailableBlockID {
			refused = append(refused, graphcheck.Unavailable(n.Key, n.Metadata))
		}
		gn.speculative = mayRunSpeculatively(gn.info, strict)
		g.pure = g.pure && gn.speculative
		g.nodes[n.ID] = gn
		g.order = append(g.order, gn)
	}
	hasIn := map[uuid.UUID]bool{}
	for _, l := range fg.Links {
		src, sink := g.nodes[l.SourceID], g.nodes[l.SinkID]
		if src == nil || sink == nil {
			return nil, model.Invalid("graph", "link %s→%s refers to a missing node", l.SourceID, l.SinkID)
		}
		gl := &glink{sink: sink, sinkPin: l.SinkName, static: l.IsStatic}
		src.out[l.SourceName] = append(src.out[l.SourceName], gl)
		if base := blocks.BasePin(l.SourceName); base != l.SourceName && !blocks.IsToolPin(l.SourceName) {
			part := &glink{sink: sink, sinkPin: l.SinkName, static: l.IsStatic, part: l.SourceName[len(base):]}
			src.out[base] = append(src.out[base], part)
		}
		if blocks.IsToolPin(l.SourceName) {
			src.addTool(gl)
		}
		if !slices.Contains(sink.linked, l.SinkName) {
			sink.linked = append(sink.linked, l.SinkName)
		}
		if l.IsStatic && !slices.Contains(sink.static, l.SinkName) {
			sink.static = append(sink.static, l.SinkName)
		}
		hasIn[sink.id] = true
	}
	if refused = append(refused, cycles(g)...); len(refused) > 0 {
		return nil, &model.ValidationError{Problems: refused}
	}
	if refused = unrunnable(fg, reg); len(refused) > 0 {
		return nil, &model.ValidationError{Problems: refused}
	}
	pos := make(map[string]int, len(g.order))
	for i, n := range g.order {
		pos[n.idStr] = i
		if !hasIn[n.id] {
			g.entry = append(g.entry, n)
		}
	}
	for _, n := range g.order {
		// Tools in graph order: the model sees the same list every run.
		slices.SortStableFunc(n.tools, func(a, b blocks.ToolSpec) int { return pos[a.NodeID] - pos[b.NodeID] })
		for i := range n.tools {
			slices.Sort(n.tools[i].Pins)
		}
	}
	return g, nil
}

// unrunnable are the problems of a stored graph that no run of it can get
// past: a link from or to a pin its block lacks (its sink would never
// run, or never get the value), a link to a missing node, a duplicate key,
// no entry node, an unreachable node, and an AGENT node that runs the graph
// itself (graphcheck.RunsItself). createGraph refuses them all, but
// importGraph stores such graphs so they can be fixed, and a graph saved
// against an older block library may have them now. A missing input or an
// invalid default is left to the node's own input check when it runs: it
// fails naming the pin, and the rest of the graph may still run (or route
// the failure on its error pin). compile runs once per version and process
// (Engine.compiled caches it), so this costs a submit nothing.
func unrunnable(fg *model.FullGraph, reg *blocks.Registry) []model.Problem {
	spec := graphs.SpecFromGraph(fg)
	var out []model.Problem
	for _, p := range graphcheck.Validate(spec, reg) {
		switch p.Code {
		case model.ProblemUnknownPin, model.ProblemUnknownNode, model.ProblemDuplicateName, model.ProblemDuplicateLink,
			model.ProblemNoNodes, model.ProblemNoEntryNode, model.ProblemUnreachableNode:
			out = append(out, p)
		}
	}
	return append(out, graphcheck.RunsItself(spec, fg.ID, reg)...)
}

// cycles are the CYCLE problems of a graph whose links form loops, as
// validation finds them: createGraph never stores one, but an imported
// AutoGPT agent may hold its loops (importGraph stores it so that it can be
// fixed), and a run of it would go round until the node-execution limit.
func cycles(g *graph) []model.Problem {
	idx := make(map[*gnode]int, len(g.order))
	for i, n := range g.order {
		idx[n] = i
	}
	var links [][2]int
	for _, src := range g.order {
		for _, ls := range src.out {
			for _, l := range ls {
				links = append(links, [2]int{idx[src], idx[l.sink]})
			}
		}
	}
	return graphcheck.Cycles(len(g.order), func(i int) string { return g.order[i].key }, links)
}

func toolKey(sinkID, sinkPin string) string { return sinkID + "\x00" + sinkPin }

// addTool records a tool link from n: routed by its sink and pin, and its
// sink described once among n's tools (its pins in link order).
func (n *gnode) addTool(l *glink) {
	if n.toolLinks == nil {
		n.toolLinks = map[string][]*glink{}
	}
	k := toolKey(l.sink.idStr, l.sinkPin)
	n.toolLinks[k] = append(n.toolLinks[k], l)
	for i := range n.tools {
		if t := &n.tools[i]; t.NodeID == l.sink.idStr {
			if !slices.Contains(t.Pins, l.sinkPin) {
				t.Pins = append(t.Pins, l.sinkPin)
			}
			return
		}
	}
	n.tools = append(n.tools, blocks.ToolSpec{NodeID: l.sink.idStr, Label: l.sink.label, BlockName: l.sink.info.Name,
		BlockDescription: l.sink.info.Description, BlockType: l.sink.info.Type, InputSchema: l.sink.info.InputSchema,
		Defaults: l.sink.defaults, Pins: []string{l.sinkPin}})
}

// linksFrom are the links a value yielded on pin goes along: the pin's own,
// or for a tool call's argument (blocks.ToolCallPin) the tool links to the
// node and pin it names, and nothing else.
func (n *gnode) linksFrom(pin string) []*glink {
	if n.toolLinks != nil {
		if sink, sinkPin, ok := blocks.ParseToolCallPin(pin); ok {
			return n.toolLinks[toolKey(sink, sinkPin)]
		}
	}
	return n.out[pin]
}

// inputNodes are the graph's graph-input nodes: every block of Type INPUT
// (AgentInputBlock and AutoGPT's typed inputs), never a list of names.
func (g *graph) inputNodes() []*gnode {
	var out []*gnode
	for _, n := range g.order {
		if n.is(blocks.TypeInput) {
			out = append(out, n)
		}
	}
	return out
}

// checkInputs validates a run's inputs against the graph's input nodes
// (the graph's input schema, blocks.GraphField): every input without a
// value of its own must be given, none may be unknown, and each must pass
// its block's schema and its field's check (one of its options, a valid
// date or time); null counts as not given. A secret input's value is never
// quoted.
func (g *graph) checkInputs(reg *blocks.Registry, inputs map[string]any) error {
	known := map[string]bool{}
	for _, n := range g.inputNodes() {
		name, _ := n.defaults["name"].(string)
		known[name] = true
		field, ok := reg.GraphField(n.blockID, n.defaults)
		if !ok { // no name (a graph stored unvalidated): its own value or nothing
			_, has := n.defaults["value"]
			field.Required = !has
		}
		// null is an input not given, as everywhere in the API: a
		// required one is missing, one with a value of its own keeps it
		// (the router reads null the same way).
		v, given := inputs[name]
		given = given && v != nil
		if !given && field.Required {
			return model.Invalid("inputs."+name, "required input %q is missing", name)
		}
		if !given {
			continue
		}
		merged := make(map[string]any, len(n.defaults)+1)
		for k, d := range n.defaults {
			merged[k] = d
		}
		merged["value"] = v
		err := reg.Validate(n.blockID, merged)
		if err == nil {
			err = field.Check(v)
		}
		if err != nil {
			if field.Secret {
				return model.Invalid("inputs."+name, "secret input %q: not a valid value for it", name)
			}
			return model.Invalid("inputs."+name, "%v", err)
		}
	}
	return g.checkInputNames(inputs, known)
}

// checkInputNames refuses an input the graph has no input node for (known:
// the input nodes' names; nil: read from the graph).
func (g *graph) checkInputNames(inputs map[string]any, known map[string]bool) error {
	if known == nil {
		known = map[string]bool{}
		for _, n := range g.inputNodes() {
			name, _ := n.defaults["name"].(string)
			known[name] = true
		}
	}
	for name := range inputs {
		if !known[name] {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			slices.Sort(names)
			return model.Invalid("inputs."+name, "the graph has no input named %q (inputs: %v)", name, names)
		}
	}
	return nil
}
