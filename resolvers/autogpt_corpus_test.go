package resolvers_test

import (
	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
)

// agent builds an AutoGPT agent export the way AutoGPT's "export agent"
// writes it: every node with its id, block_id, input_default,
// metadata.position and its links repeated as input_links/output_links; the
// graph-level links; the sub-graphs its AgentExecutorBlock nodes run; the
// input and output schemas; and the bookkeeping fields importGraph ignores.
// The compatibility suite builds its corpus with it.
type agent struct {
	id, name, description string
	version               int
	nodes                 []map[string]any
	links                 []map[string]any
	subs                  []*agent
}

func newAgent(name string) *agent {
	return &agent{id: uuid.NewString(), name: name, version: 3}
}

// blockIDs are the block ids AutoGPT's exports use: ours are the same.
func blockID(name string) string {
	b, ok := blocks.Builtin().ByName(name)
	if !ok {
		panic("no block " + name)
	}
	return b.Info().ID
}

// node adds a node of the named block (or a raw AutoGPT block id) and
// returns its id.
func (a *agent) node(block string, def map[string]any) string {
	id := uuid.NewString()
	bid := block
	if _, err := uuid.Parse(block); err != nil {
		bid = blockID(block)
	}
	if def == nil {
		def = map[string]any{}
	}
	i := len(a.nodes)
	a.nodes = append(a.nodes, map[string]any{
		"id": id, "block_id": bid, "input_default": def,
		"metadata": map[string]any{"position": map[string]any{"x": float64(i)*250.5 - 100, "y": float64(i%3) * 80.25}},
		"graph_id": a.id, "graph_version": a.version, "webhook_id": nil,
		"input_links": []any{}, "output_links": []any{},
	})
	return id
}

func (a *agent) link(src, srcPin, sink, sinkPin string, static bool) {
	a.links = append(a.links, map[string]any{"id": uuid.NewString(), "source_id": src, "sink_id": sink,
		"source_name": srcPin, "sink_name": sinkPin, "is_static": static})
}

// runs adds an AgentExecutorBlock node running child, with what AutoGPT
// stores in it (its user id, the child's schemas), and child as a sub-graph.
func (a *agent) runs(child *agent, inputs map[string]any) string {
	a.subs = append(a.subs, child)
	return a.node("AgentExecutorBlock", map[string]any{
		"user_id": "8b2f0c1e-autogpt-user", "graph_id": child.id, "graph_version": child.version,
		"inputs": inputs, "input_schema": child.schema("input"), "output_schema": child.schema("output"),
		"agent_name": nil, "nodes_input_masks": nil,
	})
}

// schema is the graph's input or output schema as AutoGPT writes it.
func (a *agent) schema(kind string) map[string]any {
	block := map[string]string{"input": blockID("AgentInputBlock"), "output": blockID("AgentOutputBlock")}[kind]
	props, required := map[string]any{}, []any{}
	for _, n := range a.nodes {
		if n["block_id"] != block {
			continue
		}
		name := n["input_default"].(map[string]any)["name"].(string)
		props[name] = map[string]any{"title": name, "secret": false, "advanced": false}
		required = append(required, name)
	}
	return map[string]any{"type": "object", "properties": props, "required": required}
}

// graph is the agent as one graph of an export, links repeated per node.
func (a *agent) graph() map[string]any {
	nodes := make([]any, len(a.nodes))
	for i, n := range a.nodes {
		in, out := []any{}, []any{}
		for _, l := range a.links {
			if l["sink_id"] == n["id"] {
				in = append(in, l)
			}
			if l["source_id"] == n["id"] {
				out = append(out, l)
			}
		}
		c := map[string]any{}
		for k, v := range n {
			c[k] = v
		}
		c["input_links"], c["output_links"] = in, out
		nodes[i] = c
	}
	links := make([]any, len(a.links))
	for i, l := range a.links {
		links[i] = l
	}
	return map[string]any{
		"id": a.id, "version": a.version, "is_active": true, "name": a.name, "description": a.description,
		"instructions": nil, "recommended_schedule_cron": nil, "forked_from_id": nil, "forked_from_version": nil,
		"user_id": "", "created_at": "2025-06-01T10:00:00.000Z", "nodes": nodes, "links": links,
		"input_schema": a.schema("input"), "output_schema": a.schema("output"),
		"has_external_trigger": false, "trigger_setup_info": nil,
		"credentials_input_schema": map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}},
	}
}

// doc is the export: the graph with every sub-graph, nested ones too,
// listed once at the top as AutoGPT lists them.
func (a *agent) doc() map[string]any {
	g := a.graph()
	subs := []any{}
	seen := map[string]bool{}
	var walk func(*agent)
	walk = func(x *agent) {
		for _, s := range x.subs {
			if !seen[s.id] {
				seen[s.id] = true
				subs = append(subs, s.graph())
				walk(s)
			}
		}
	}
	walk(a)
	g["sub_graphs"] = subs
	return g
}

// calculatorAgent is the shape of AutoGPT's calculator-agent.json: an input,
// a CalculatorBlock adding 34, an output, AutoGPT's extra input and output
// pins included. {"Input": 8} gives {"Output": [42]}.
func calculatorAgent() *agent {
	a := newAgent("Calculator agent")
	in := a.node("AgentInputBlock", map[string]any{"name": "Input", "secret": false, "advanced": false})
	out := a.node("AgentOutputBlock", map[string]any{"name": "Output", "secret": false, "advanced": false, "escape_html": false})
	calc := a.node("CalculatorBlock", map[string]any{"b": 34, "operation": "Add", "round_result": false})
	a.link(in, "result", calc, "a", true)
	a.link(calc, "result", out, "value", false)
	return a
}

// sentenceAgent is a sub-agent: topic → "A sentence about <topic>."
func sentenceAgent() *agent {
	a := newAgent("Sentence maker")
	in := a.node("AgentInputBlock", map[string]any{"name": "topic", "value": nil, "placeholder_values": nil, "secret": false})
	tmpl := a.node("FillTextTemplateBlock", map[string]any{"format": "A sentence about {{topic}}.", "values": map[string]any{}})
	out := a.node("AgentOutputBlock", map[string]any{"name": "sentence", "format": nil})
	a.link(in, "result", tmpl, "values_#_topic", false)
	a.link(tmpl, "output", out, "value", false)
	return a
}

// writerAgent holds every construct AutoGPT writes differently: null
// defaults, AutoGPT's input pins, a pin under AutoGPT's name
// (GetCurrentDateBlock.format_type), an AgentExecutorBlock fed by its
// sub-agent's input name, and a 600-character description.
func writerAgent() *agent {
	child := sentenceAgent()
	a := newAgent("Topic writer")
	a.description = longText(600)
	in := a.node("AgentInputBlock", map[string]any{"name": "subject", "title": nil, "description": nil, "secret": false, "advanced": false})
	keep := a.node("StoreValueBlock", map[string]any{"data": nil})
	run := a.runs(child, map[string]any{})
	out := a.node("AgentOutputBlock", map[string]any{"name": "sentence", "escape_html": false})
	date := a.node("GetCurrentDateBlock", map[string]any{"trigger": "now", "offset": 0, "format_type": map[string]any{
		"discriminator": "strftime", "format": "%Y", "timezone": "UTC", "use_user_timezone": false}})
	year := a.node("AgentOutputBlock", map[string]any{"name": "year"})
	a.link(in, "result", keep, "input", false)
	a.link(keep, "output", run, "topic", false) // the child's input, by its name
	a.link(run, "sentence", out, "value", false)
	a.link(date, "date", year, "value", false)
	return a
}

// collectorAgent loops the way AutoGPT builds a list: AddToListBlock feeds
// its own list back.
func collectorAgent() *agent {
	a := newAgent("Item collector")
	in := a.node("AgentInputBlock", map[string]any{"name": "items"})
	step := a.node("StepThroughItemsBlock", nil)
	add := a.node("AddToListBlock", map[string]any{"list": []any{}})
	out := a.node("AgentOutputBlock", map[string]any{"name": "collected"})
	a.link(in, "result", step, "items", false)
	a.link(step, "item", add, "entry", false)
	a.link(add, "updated_list", add, "list", false)
	a.link(add, "updated_list", out, "value", false)
	return a
}

// gmailReplyID is AutoGPT's GmailReplyBlock, which does not exist here.
const gmailReplyID = "12bf5a24-9b90-4f40-9090-4e86e6995e60"

// mailerAgent uses a block that does not exist here (GmailReplyBlock), with
// links in and out and defaults AutoGPT writes (a null, an object).
func mailerAgent() *agent {
	a := newAgent("Mailer")
	in := a.node("AgentInputBlock", map[string]any{"name": "subject"})
	tmpl := a.node("FillTextTemplateBlock", map[string]any{"format": "About {{subject}}.", "values": map[string]any{}})
	send := a.node(gmailReplyID, map[string]any{"to": []any{"ana@example.com"}, "cc": nil,
		"credentials": map[string]any{"provider": "google", "type": "oauth2", "id": "c1"}})
	out := a.node("AgentOutputBlock", map[string]any{"name": "sent"})
	a.link(in, "result", tmpl, "values_#_subject", false)
	a.link(tmpl, "output", send, "body", false)
	a.link(in, "result", send, "subject", true)
	a.link(send, "result", out, "value", false)
	return a
}

func longText(n int) string {
	const words = "An agent that writes one sentence about a subject. "
	out := ""
	for len(out) < n {
		out += words
	}
	return out[:n]
}
