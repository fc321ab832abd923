package graphcheck

import (
	"slices"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// RewriteKind says what Normalize changed.
type RewriteKind int

const (
	// NullDropped: a default of null, AutoGPT's way of saying "unset", was removed.
	NullDropped RewriteKind = iota
	// PinRenamed: AutoGPT's name of a pin (blocks.Info.PinAliases) became ours,
	// in a node's defaults or at a link's sink.
	PinRenamed
	// ChildInput: a link into an AGENT block named the child graph's input
	// directly (AutoGPT's way); it now feeds `inputs_#_<name>`.
	ChildInput
)

// Rewrite is one change Normalize made.
type Rewrite struct {
	Kind    RewriteKind
	NodeKey string
	// LinkIndex is the link's index for a change at a link's sink, -1 for
	// a change in the node's defaults.
	LinkIndex int
	From, To  string
}

// Normalize rewrites, in place, what AutoGPT writes differently from us
// into our form, so graphs made for AutoGPT are taken as they are: null
// defaults are unset, AutoGPT's pin names are read as ours, and links into
// an AgentExecutorBlock may name the child's inputs directly. It changes
// nothing else and is idempotent; Validate runs it first. Nodes whose block
// is unknown are left alone.
func Normalize(spec *model.GraphSpec, reg *blocks.Registry) []Rewrite {
	var out []Rewrite
	byKey := make(map[string]blocks.Block, len(spec.Nodes))
	for i := range spec.Nodes {
		n := &spec.Nodes[i]
		b, ok := lookup(reg, n.BlockID)
		if !ok {
			continue
		}
		if _, dup := byKey[n.Key]; !dup {
			byKey[n.Key] = b
		}
		out = append(out, normalizeDefaults(n, b, reg)...)
	}
	for i := range spec.Links {
		l := &spec.Links[i]
		b, ok := byKey[l.SinkKey]
		if !ok {
			continue
		}
		id := b.Info().ID
		if reg.HasInputPin(id, l.SinkName) {
			continue
		}
		if pin, _, ok := reg.InputAlias(id, l.SinkName); ok {
			out = append(out, Rewrite{Kind: PinRenamed, NodeKey: l.SinkKey, LinkIndex: i, From: l.SinkName, To: pin})
			l.SinkName = pin
			continue
		}
		if b.Info().Type == blocks.TypeAgent && !blocks.IsDynamicPin(l.SinkName) {
			pin := agentInputsPin + blocks.DictSep + l.SinkName
			out = append(out, Rewrite{Kind: ChildInput, NodeKey: l.SinkKey, LinkIndex: i, From: l.SinkName, To: pin})
			l.SinkName = pin
		}
	}
	return out
}

// agentInputsPin is the AGENT block's input holding the child's inputs.
const agentInputsPin = "inputs"

// normalizeDefaults drops n's null defaults and renames AutoGPT's pin names
// (converting their values); a value the alias cannot read keeps its key.
func normalizeDefaults(n *model.NodeSpec, b blocks.Block, reg *blocks.Registry) []Rewrite {
	if len(n.InputDefault) == 0 {
		return nil
	}
	keys := make([]string, 0, len(n.InputDefault))
	for k := range n.InputDefault {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same rewrites in the same order every time
	var out []Rewrite
	id := b.Info().ID
	for _, k := range keys {
		v := n.InputDefault[k]
		if v == nil {
			delete(n.InputDefault, k)
			out = append(out, Rewrite{Kind: NullDropped, NodeKey: n.Key, LinkIndex: -1, From: k})
			continue
		}
		if reg.HasInputPin(id, k) {
			continue
		}
		pin, alias, ok := reg.InputAlias(id, k)
		if !ok {
			continue
		}
		if _, taken := n.InputDefault[pin]; taken {
			continue // our own name wins; theirs stays, an unknown pin
		}
		if alias.ToOurs != nil {
			if v, ok = alias.ToOurs(v); !ok {
				continue
			}
		}
		delete(n.InputDefault, k)
		n.InputDefault[pin] = v
		out = append(out, Rewrite{Kind: PinRenamed, NodeKey: n.Key, LinkIndex: -1, From: k, To: pin})
	}
	return out
}

// lookup finds a node's block by id or by name, as Validate accepts both.
func lookup(reg *blocks.Registry, idOrName string) (blocks.Block, bool) {
	if b, ok := reg.ByID(idOrName); ok {
		return b, true
	}
	return reg.ByName(idOrName)
}
