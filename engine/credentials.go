package engine

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
)

// inputCredential resolves the credential of a node's `credentials` input
// into rc: the one it names, else the user's newest of the block's first
// provider they have (unless the input is optional). Only the id is in the
// node's input, so no secret is ever stored or published with it.
func (e *Engine) inputCredential(ctx context.Context, userID uuid.UUID, x *nodeExec, rc *blocks.RunContext) error {
	spec := x.n.info.Credentials
	var c blocks.Credential
	if id := blocks.ChosenCredential(x.input); id != "" {
		if e.opts.CredentialByID == nil {
			return fmt.Errorf("block %s needs credentials but this worker has none configured", x.n.info.Name)
		}
		var err error
		if c, err = e.opts.CredentialByID(ctx, userID, id); err != nil {
			return err
		}
		if why := spec.Accepts(c.Provider, c.Type, c.Scopes); why != "" {
			return fmt.Errorf("credential %s cannot be used by %s: %s", id, x.n.info.Name, why)
		}
	} else {
		if spec.Optional {
			return nil
		}
		if e.opts.Credentials == nil || len(spec.Providers) == 0 {
			return fmt.Errorf("block %s needs a credentials input naming one of your credentials", x.n.info.Name)
		}
		all, err := e.opts.Credentials(ctx, userID, spec.Providers)
		if err != nil {
			return err
		}
		found := false
		for _, p := range spec.Providers {
			if c, found = all[p]; found {
				break
			}
		}
		if !found {
			return fmt.Errorf("no valid %v credentials: connect an account or add one on the web app's Integrations page (/credentials), or through the API (startIntegrationOAuth, createCredential)", spec.Providers)
		}
		if why := spec.Accepts(c.Provider, c.Type, c.Scopes); why != "" {
			return fmt.Errorf("your %s credential cannot be used by %s: %s", c.Provider, x.n.info.Name, why)
		}
	}
	rc.InputCredential = &c
	if rc.Credentials == nil {
		rc.Credentials = map[string]blocks.Credential{}
	}
	rc.Credentials[c.Provider] = c
	return nil
}

// credentialNeeds lists what the graph's nodes need of the user's
// credentials, for Options.CheckCredentials at submit. A credentials input
// fed by a link is known only at run time and checked then.
func (g *graph) credentialNeeds() []blocks.CredentialNeed {
	var out []blocks.CredentialNeed
	for _, n := range g.order {
		spec := n.info.Credentials
		if spec == nil {
			continue
		}
		need := blocks.CredentialNeed{Node: n.name(), Block: n.info.Name, Spec: *spec, ID: blocks.ChosenCredential(n.defaults)}
		if need.ID == "" && (spec.Optional || n.hasLinked("credentials")) {
			continue
		}
		out = append(out, need)
	}
	return out
}

func (n *gnode) hasLinked(pin string) bool {
	for _, p := range n.linked {
		if p == pin {
			return true
		}
	}
	return false
}
