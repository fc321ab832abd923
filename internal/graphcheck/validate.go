// Package graphcheck validates a graph spec the way the seed's
// validate_structure and validate_graph_integrity describe, but returns every
// problem found, each naming its nodes, link and pin, instead of a boolean.
package graphcheck

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Validate checks spec against the block registry. Node BlockIDs may be a
// block's id or its name; a name is rewritten to the id in place so that
// what is stored always refers to blocks by id. AutoGPT's ways of writing a
// graph are first rewritten to ours, in place too (Normalize).
func Validate(spec *model.GraphSpec, reg *blocks.Registry) []model.Problem {
	v := &validator{spec: spec, reg: reg, byKey: map[string]int{}}
	if len(spec.Nodes) == 0 {
		v.add(model.Problem{Code: model.ProblemNoNodes, Message: "a graph needs at least one node"})
		return v.problems
	}
	Normalize(spec, reg)
	v.checkNodes()
	v.checkInputNames()
	v.checkLinks()
	v.checkShape()
	v.checkInputs()
	return v.problems
}

type validator struct {
	spec     *model.GraphSpec
	reg      *blocks.Registry
	byKey    map[string]int // node key → index
	problems []model.Problem
}

func (v *validator) add(p model.Problem) {
	if p.NodeKeys == nil {
		p.NodeKeys = []string{}
	}
	v.problems = append(v.problems, p)
}

func (v *validator) checkNodes() {
	for i := range v.spec.Nodes {
		n := &v.spec.Nodes[i]
		if _, dup := v.byKey[n.Key]; dup {
			v.add(model.Problem{Code: model.ProblemDuplicateName, NodeKeys: []string{n.Key},
				Message: fmt.Sprintf("node key %q is used by more than one node", n.Key)})
			continue
		}
		v.byKey[n.Key] = i
		b, ok := lookup(v.reg, n.BlockID)
		if !ok {
			v.add(model.Problem{Code: model.ProblemUnknownBlock, NodeKeys: []string{n.Key},
				Message: fmt.Sprintf("node %q uses unknown block %q", n.Key, n.BlockID)})
			continue
		}
		n.BlockID = b.Info().ID
		if b.Info().ID == blocks.UnavailableBlockID {
			v.add(unavailable(n.Key, blocks.UnavailableName(n.Metadata)))
			continue
		}
		v.checkDefaultKeys(n)
		for _, msg := range checkDefaults(b, n.InputDefault) {
			v.add(model.Problem{Code: model.ProblemInvalidDefault, NodeKeys: []string{n.Key}, Pin: msg.pin,
				Message: fmt.Sprintf("node %q: default input %s", n.Key, msg.text)})
		}
		// A model must be one the registry knows (llmModels): the schema
		// cannot say so, since operators add models without a rebuild.
		if pin := blocks.ModelInput(b.Info()); pin != "" {
			if name, ok := n.InputDefault[pin].(string); ok {
				if _, known := llm.Lookup(name); !known {
					v.add(model.Problem{Code: model.ProblemInvalidDefault, NodeKeys: []string{n.Key}, Pin: pin,
						Message: fmt.Sprintf("node %q: unknown model %q (see the llmModels query)", n.Key, name)})
				}
			}
		}
	}
}

// checkInputNames reports graph-input nodes (AgentInputBlock and its typed
// family) that share a name: the run's inputs are keyed by name, so
// inputSchema would describe one of them while executeGraph checks the
// value against another (a number for one, a date for the other). Outputs
// sharing a name are not reported: GraphExecution.outputs gathers each
// name's values into one list by design.
func (v *validator) checkInputNames() {
	first := map[string]string{} // name → the key of its first node
	for i, n := range v.spec.Nodes {
		if v.byKey[n.Key] != i {
			continue // a repeated key, reported already
		}
		b, ok := v.reg.ByID(n.BlockID)
		if !ok || b.Info().Type != blocks.TypeInput {
			continue
		}
		name, _ := n.InputDefault["name"].(string)
		if name == "" {
			continue
		}
		if k, dup := first[name]; dup {
			v.add(model.Problem{Code: model.ProblemDuplicateName, NodeKeys: []string{k, n.Key}, Pin: "name",
				Message: fmt.Sprintf("nodes %q and %q are both the graph input %q: give each input its own name", k, n.Key, name)})
			continue
		}
		first[name] = n.Key
	}
}

// checkDefaultKeys reports defaults given for pins the block does not have:
// stored, they would do nothing, silently.
func (v *validator) checkDefaultKeys(n *model.NodeSpec) {
	var unknown []string
	for k := range n.InputDefault {
		if !v.reg.HasInputPin(n.BlockID, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		v.add(model.Problem{Code: model.ProblemUnknownPin, NodeKeys: []string{n.Key}, Pin: k,
			Message: fmt.Sprintf("node %q: default input %q is no input pin of its block (inputs: %v)", n.Key, k, v.reg.InputPins(n.BlockID))})
	}
}

func (v *validator) known(key string) bool {
	i, ok := v.byKey[key]
	if !ok {
		return false
	}
	_, ok = v.reg.ByID(v.spec.Nodes[i].BlockID)
	return ok
}

func (v *validator) checkLinks() {
	// A link repeated (same source pin, same sink pin) would deliver every
	// value twice: each copy fills its own execution of the sink, so n
	// copies run the sink n times per value. It is never what was meant.
	type end struct{ sourceKey, sourceName, sinkKey, sinkName string }
	first := make(map[end]int, len(v.spec.Links))
	for i, l := range v.spec.Links {
		idx := i
		k := end{l.SourceKey, l.SourceName, l.SinkKey, l.SinkName}
		if j, dup := first[k]; dup {
			v.add(model.Problem{Code: model.ProblemDuplicateLink, NodeKeys: []string{l.SourceKey, l.SinkKey}, LinkIndex: &idx, Pin: l.SinkName,
				Message: fmt.Sprintf("link %d repeats link %d (%q.%s → %q.%s)", i, j, l.SourceKey, l.SourceName, l.SinkKey, l.SinkName)})
			continue
		}
		first[k] = i
		for _, end := range []struct{ key, role string }{{l.SourceKey, "source"}, {l.SinkKey, "sink"}} {
			if _, ok := v.byKey[end.key]; !ok {
				v.add(model.Problem{Code: model.ProblemUnknownNode, NodeKeys: []string{end.key}, LinkIndex: &idx,
					Message: fmt.Sprintf("link %d: %s node %q does not exist", i, end.role, end.key)})
			}
		}
		if v.known(l.SourceKey) {
			if id := v.spec.Nodes[v.byKey[l.SourceKey]].BlockID; !v.reg.HasOutputPin(id, l.SourceName) {
				v.add(model.Problem{Code: model.ProblemUnknownPin, NodeKeys: []string{l.SourceKey}, LinkIndex: &idx, Pin: l.SourceName,
					Message: fmt.Sprintf("link %d: node %q has no output pin %q (outputs: %v)", i, l.SourceKey, l.SourceName, v.reg.OutputPins(id))})
			}
		}
		if v.known(l.SinkKey) {
			if id := v.spec.Nodes[v.byKey[l.SinkKey]].BlockID; !v.reg.HasInputPin(id, l.SinkName) {
				v.add(model.Problem{Code: model.ProblemUnknownPin, NodeKeys: []string{l.SinkKey}, LinkIndex: &idx, Pin: l.SinkName,
					Message: fmt.Sprintf("link %d: node %q has no input pin %q (inputs: %v)", i, l.SinkKey, l.SinkName, v.reg.InputPins(id))})
			}
		}
	}
}

// checkInputs reports required inputs that neither a default nor a link provides.
func (v *validator) checkInputs() {
	linked := map[string]map[string]bool{}
	for _, l := range v.spec.Links {
		if linked[l.SinkKey] == nil {
			linked[l.SinkKey] = map[string]bool{}
		}
		linked[l.SinkKey][blocks.BasePin(l.SinkName)] = true
	}
	for _, n := range v.spec.Nodes {
		if !v.known(n.Key) {
			continue
		}
		b, _ := v.reg.ByID(n.BlockID)
		for _, pin := range v.reg.RequiredInputs(n.BlockID) {
			if _, ok := n.InputDefault[pin]; ok || linked[n.Key][pin] {
				continue
			}
			// A graph input's value comes from the run's inputs.
			if b.Info().Type == blocks.TypeInput && pin == "value" {
				continue
			}
			v.add(model.Problem{Code: model.ProblemMissingInput, NodeKeys: []string{n.Key}, Pin: pin,
				Message: fmt.Sprintf("node %q: required input %q has no default and no link", n.Key, pin)})
		}
	}
}

// RequiredInputs lists a stored node's required pins that neither its
// defaults (a JSON object) nor a link into it provide (the seed's
// get_required_inputs). The defaults are only decoded when a required pin
// has no link: in most graphs few nodes need them.
func RequiredInputs(reg *blocks.Registry, blockID string, defaults json.RawMessage, linkedPins []string) []string {
	out := []string{}
	var given map[string]json.RawMessage
	for _, pin := range reg.RequiredInputs(blockID) {
		if slices.Contains(linkedPins, pin) {
			continue
		}
		if given == nil {
			if json.Unmarshal(defaults, &given) != nil || given == nil {
				given = map[string]json.RawMessage{} // not an object: no defaults
			}
		}
		if _, ok := given[pin]; ok {
			continue
		}
		out = append(out, pin)
	}
	return out
}

// unavailable is the UNKNOWN_BLOCK problem of a node of UnavailableBlock,
// which stands for block name (AutoGPT's; "" when its metadata does not
// say): the graph is stored, as importGraph does, but does not run.
func unavailable(key, name string) model.Problem {
	what := "a block"
	if name != "" {
		what = "AutoGPT's " + name
	}
	return model.Problem{Code: model.ProblemUnknownBlock, NodeKeys: []string{key},
		Message: fmt.Sprintf("node %q stands for %s, which does not exist here (UnavailableBlock): replace it with a block that exists to run the graph", key, what)}
}

// Unavailable is the UNKNOWN_BLOCK problem of a stored node on
// UnavailableBlock, which stands for a block missing here; metadata is the
// node's, a JSON object naming that block. The engine refuses a graph with
// one.
func Unavailable(key string, metadata json.RawMessage) model.Problem {
	var meta map[string]any
	_ = json.Unmarshal(metadata, &meta) // not an object: the block is not named
	return unavailable(key, blocks.UnavailableName(meta))
}
