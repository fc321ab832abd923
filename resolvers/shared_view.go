package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
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
//
// Nor is who the owner is, or what the owner's triggers are: the run's and
// its log lines' userId read sharedUserID, and its trigger only its kind
// (a webhook's id is the last part of the URL its deliveries are posted
// to; a schedule's and a delivery's are the owner's too). A node's
// requiredInputs would tell which required pins the owner gave a default:
// a shared node's are computed as if it had none. A node execution's
// credentials input keeps the credential's kind, not which of the owner's
// credentials it is.

// emptyObject is what a share-token reader reads for a node's input
// defaults and metadata and for the run's preferences (read-only: every
// copy shares it).
var emptyObject = gqlscalar.JSON("{}")

// sharedUserID is the user id a share-token reader reads: the nil UUID,
// still a UUID for clients that parse ids, and never a user's (users' ids
// are random UUIDs).
var sharedUserID = uuid.Nil.String()

// toSharedExecution makes out, the run as its owner reads it, the shared
// view (sharedExecution's answer, whoever reads it).
func (r *Resolver) toSharedExecution(ctx context.Context, e *model.GraphExecution, out *gql.GraphExecution) {
	out.ShareToken = nil                      // the token holder already has it; nothing else to reveal
	out.SharedView = true                     // its nodes show nothing typed into them, its logs no user
	out.UserContext.Preferences = emptyObject // the owner's account settings
	out.Outputs = r.sharedOutputs(ctx, e, out.Outputs)
	out.UserID = sharedUserID
	out.Trigger = &gql.ExecutionTrigger{Kind: out.Trigger.Kind}
	out.ErrorMessage = sharedMessagePtr(out.ErrorMessage)
}

// sharedNodes hands out, for each node of a shared run's graph index, one
// copy without what was typed into it (the index's own values are shared
// by every field of the request and stay as they are).
type sharedNodes struct {
	reg  *blocks.Registry
	idx  *graphIndex
	made map[*gql.Node]*gql.Node
}

func (r *Resolver) sharedNodes(idx *graphIndex) *sharedNodes {
	return &sharedNodes{reg: r.Registry, idx: idx, made: map[*gql.Node]*gql.Node{}}
}

func (s *sharedNodes) of(n *gql.Node) *gql.Node {
	if n == nil {
		return nil
	}
	if c, ok := s.made[n]; ok {
		return c
	}
	c := *n
	c.InputDefault, c.Metadata = emptyObject, emptyObject
	var linked []string
	if s.idx != nil { // nil: the version is gone, and every node with it
		id, _ := uuid.Parse(n.ID) // the index's own node: its id is a UUID
		linked = s.idx.linked[id]
	}
	c.RequiredInputs = graphcheck.RequiredInputs(s.reg, n.BlockID, json.RawMessage(emptyObject), linked)
	s.made[n] = &c
	return &c
}

// credentialsKey is the key of a node's credentials input
// (blocks.CredentialsMeta), as its node executions store it.
var credentialsKey = []byte(`"credentials"`)

// ownerRef is an id a message names (a credential's: "credential <id> no
// longer exists"; another of the owner's graphs: "agent <id>: …"), with
// the title a credential is described by when it has one ("\"My key\"
// (<id>)"). The run's own ids are in fields of their own, never needed in
// its text.
var ownerRef = regexp.MustCompile(`(?i)"(?:[^"\\]|\\.)*" \([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)

// sharedMessage is an error message or log line as a share-token reader
// reads it: the owner's ids (and the credential titles beside them) it
// names read "(the owner's)".
func sharedMessage(m string) string { return ownerRef.ReplaceAllLiteralString(m, "(the owner's)") }

// sharedMessagePtr is sharedMessage of an optional message.
func sharedMessagePtr(m *string) *string {
	if m == nil {
		return nil
	}
	s := sharedMessage(*m)
	return &s
}

// hideChosenCredential leaves, of the stored credential a node
// execution's input names, what kind it is (provider, type) and not which
// of the owner's it is (its id, its title), for a share-token reader (its
// error message is sharedMessage's).
func hideChosenCredential(n *gql.NodeExecution) {
	if !bytes.Contains(n.Inputs, credentialsKey) {
		return
	}
	var in map[string]json.RawMessage
	var c map[string]json.RawMessage
	if json.Unmarshal(n.Inputs, &in) != nil || json.Unmarshal(in["credentials"], &c) != nil || c == nil {
		return
	}
	var id string
	_ = json.Unmarshal(c["id"], &id)
	if _, titled := c["title"]; id == "" && !titled {
		return
	}
	delete(c, "id")
	delete(c, "title")
	in["credentials"], _ = json.Marshal(c)
	b, _ := json.Marshal(in)
	n.Inputs = gqlscalar.JSON(b)
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
