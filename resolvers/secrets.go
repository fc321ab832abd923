package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
)

// A graph input marked secret (`secret: true` on an AgentInputBlock node:
// its inputSchema property is writeOnly) is given to executeGraph (or a
// schedule) and never shown again by the API: not in the run's or the
// schedule's inputs, nor in the input
// node's node-execution inputs and outputs, nor in the events of that node
// — to the owner, and above all to anyone holding a share token. Each
// shown value is replaced by secretMask. What the graph does with the
// value downstream (a node that prints it) is its author's choice and is
// left alone. The engine keeps the real values: it needs them to run.
const secretMask = "********"

// secretInputs are a graph version's secret inputs: their names (keys of
// the run's inputs) and their nodes' ids; and the names of its secret
// outputs (keys of the run's outputs), which a share-token reader does not
// read (shared_view.go).
type secretInputs struct {
	names   []string
	nodes   map[string]bool
	outputs []string
}

// secretsOf returns the secret inputs of each graph version of keys, read
// in one statement for the versions this process has not seen (a version
// is immutable, so what was read is kept). A failed read leaves the caller
// to hide every input (maskAll).
func (r *Resolver) secretsOf(ctx context.Context, keys ...model.GraphKey) (map[model.GraphKey]*secretInputs, error) {
	out := make(map[model.GraphKey]*secretInputs, len(keys))
	var missing []model.GraphKey
	for _, k := range keys {
		if v, ok := r.secrets.Load(k); ok {
			out[k] = v.(*secretInputs)
		} else if _, dup := out[k]; !dup {
			out[k] = nil
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	nodes, err := r.Store.NodesByGraphs(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, k := range missing {
		s := &secretInputs{nodes: map[string]bool{}}
		for _, n := range nodes[k] {
			var defaults map[string]any
			_ = json.Unmarshal(n.InputDefault, &defaults)
			b, ok := r.Registry.ByID(n.BlockID.String())
			if !ok || b.Info().Type != blocks.TypeInput && b.Info().Type != blocks.TypeOutput {
				continue
			}
			f, ok := r.Registry.GraphField(n.BlockID.String(), defaults)
			switch {
			case !ok || !f.Secret:
			case b.Info().Type == blocks.TypeOutput:
				s.outputs = append(s.outputs, f.Name)
			default:
				s.names = append(s.names, f.Name)
				s.nodes[n.ID.String()] = true
			}
		}
		r.secrets.Store(k, s)
		out[k] = s
	}
	return out, nil
}

// shownInputs returns the inputs of runs as the API shows them, their
// secret ones masked (maskedInputs). The runs are left as they are (a live
// stream's are shared).
func (r *Resolver) shownInputs(ctx context.Context, runs ...*model.GraphExecution) []json.RawMessage {
	keys := make([]model.GraphKey, len(runs))
	inputs := make([]json.RawMessage, len(runs))
	for i, e := range runs {
		keys[i], inputs[i] = model.GraphKey{ID: e.GraphID, Version: e.GraphVersion}, e.Inputs
	}
	return r.maskedInputs(ctx, keys, inputs)
}

// maskedInputs masks the secret inputs of each inputs[i], a run's inputs
// for graph version keys[i], reading the versions once for all of them.
func (r *Resolver) maskedInputs(ctx context.Context, keys []model.GraphKey, inputs []json.RawMessage) []json.RawMessage {
	secrets, err := r.secretsOf(ctx, keys...)
	out := make([]json.RawMessage, len(inputs))
	for i, in := range inputs {
		out[i] = in
		switch s := secrets[keys[i]]; {
		case err != nil:
			out[i] = maskAll(in) // cannot tell which: hide them all
		case s != nil && len(s.names) > 0:
			out[i] = maskKeys(in, s.names)
		}
	}
	return out
}

// toSchedules maps schedules with their secret inputs masked (a schedule's
// inputs are its runs' inputs).
func (r *Resolver) toSchedules(ctx context.Context, ss ...*model.Schedule) []*gql.Schedule {
	keys := make([]model.GraphKey, len(ss))
	inputs := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		keys[i], inputs[i] = model.GraphKey{ID: s.GraphID, Version: s.GraphVersion}, s.Inputs
	}
	masked := r.maskedInputs(ctx, keys, inputs)
	out := make([]*gql.Schedule, len(ss))
	for i, s := range ss {
		out[i] = toSchedule(s)
		out[i].Inputs = jsonOr(masked[i], "{}")
	}
	return out
}

// toExecution is toStoredExecution with the secret inputs masked.
func (r *Resolver) toExecution(ctx context.Context, e *model.GraphExecution) *gql.GraphExecution {
	out := toStoredExecution(e)
	out.Inputs = jsonOr(r.shownInputs(ctx, e)[0], "{}")
	return out
}

// maskKeys replaces the values of names in a JSON object.
func maskKeys(raw json.RawMessage, names []string) json.RawMessage {
	return maskObject(raw, names, func(json.RawMessage) json.RawMessage { return maskJSON })
}

// maskObject replaces the values of names in a JSON object by what mask
// makes of them; raw as it is when none is there.
func maskObject(raw json.RawMessage, names []string, mask func(json.RawMessage) json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if len(names) == 0 || json.Unmarshal(raw, &m) != nil {
		return raw
	}
	changed := false
	for _, n := range names {
		if v, ok := m[n]; ok {
			m[n] = mask(v)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	b, _ := json.Marshal(m)
	return b
}

// maskAll replaces every value of a JSON object.
func maskAll(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return raw
	}
	for k := range m {
		m[k] = maskJSON
	}
	b, _ := json.Marshal(m)
	return b
}

var maskJSON = json.RawMessage(`"` + secretMask + `"`)

var secretKey = []byte(`"secret"`)

// secretInput decodes a node execution's input when it says `secret:
// true` (a secret graph input's or output's node); only one whose inputs
// hold the key at all is decoded.
func secretInput(n *gql.NodeExecution) (map[string]json.RawMessage, bool) {
	if !bytes.Contains(n.Inputs, secretKey) {
		return nil, false
	}
	var in map[string]json.RawMessage
	if json.Unmarshal(n.Inputs, &in) != nil || string(in["secret"]) != "true" {
		return nil, false
	}
	return in, true
}

// hideSecretNodeExecution masks a secret input node's value in its node
// execution: the engine stores the node's input with `secret: true` beside
// the value, so the node execution says so itself, with no read.
//
// Every node execution of a list (the editor's 500) passes here: only one
// whose inputs hold the key at all is decoded.
func hideSecretNodeExecution(n *gql.NodeExecution) {
	in, secret := secretInput(n)
	if !secret {
		return
	}
	if _, ok := in["value"]; ok {
		in["value"] = maskJSON
		b, _ := json.Marshal(in)
		n.Inputs = gqlscalar.JSON(b)
	}
	n.Outputs = gqlscalar.JSON(maskValues(json.RawMessage(n.Outputs), []string{"result"}))
}

// keepStoredSecrets puts back, in inputs given to updateSchedule, the
// stored value of each secret input sent as exactly secretMask: what
// Schedule.inputs read for it. A client edits a schedule by sending back
// the inputs it read; without this it would store the mask as the secret,
// or have its user type a secret they may no longer have. Only an input
// that read masked (a secret input of the stored version, with a stored
// value) is put back: elsewhere "********" is a value like any other. A
// value of the inputs is read only when one of them is the mask.
func (r *Resolver) keepStoredSecrets(ctx context.Context, userID, scheduleID uuid.UUID, inputs map[string]any) error {
	var masked []string
	for name, v := range inputs {
		if s, ok := v.(string); ok && s == secretMask {
			masked = append(masked, name)
		}
	}
	if len(masked) == 0 {
		return nil
	}
	stored, err := r.Store.ScheduleGet(ctx, userID, scheduleID)
	if err != nil {
		return err
	}
	k := model.GraphKey{ID: stored.GraphID, Version: stored.GraphVersion}
	secrets, err := r.secretsOf(ctx, k)
	if err != nil || secrets[k] == nil {
		return err
	}
	var was map[string]any
	if model.DecodeExact(stored.Inputs, &was) != nil { // as jsonObjectArg decodes what is given
		return nil
	}
	for _, name := range masked {
		if v, ok := was[name]; ok && slices.Contains(secrets[k].names, name) {
			inputs[name] = v
		}
	}
	return nil
}
