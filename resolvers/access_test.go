package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestNoLeakBetweenUsers runs every query and mutation of the schema with
// B's token on A's objects: each answers exactly as for a missing object
// (null or NOT_FOUND), and B's lists never contain A's objects.
func TestNoLeakBetweenUsers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, a := b.user(model.RoleUser)
	_, bob := b.user(model.RoleUser)

	var g struct{ ID string }
	b.ok(a, createGraph, map[string]any{"in": chainGraph("secret", 3)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(a, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	var key struct{ APIKey struct{ ID string } }
	b.ok(a, `mutation { createAPIKey(name: "a's") { apiKey { id } secret } }`, nil, "createAPIKey", &key)
	var cred struct{ ID string }
	b.ok(a, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "ghp_x"}) { id } }`, nil, "createCredential", &cred)
	missing := "7b7b7b7b-0000-4000-8000-000000000000"

	type probe struct {
		name, query string
		vars        func(id string) map[string]any
		field       string
	}
	gid := func(id string) map[string]any { return map[string]any{"id": id} }
	nullProbes := []probe{
		{"graph", `query($id: ID!) { graph(id: $id) { id name } }`, gid, "graph"},
		{"graph version", `query($id: ID!) { graph(id: $id, version: 1) { id } }`, gid, "graph"},
		{"execution", `query($id: ID!) { execution(id: $id) { id } }`, gid, "execution"},
	}
	for _, p := range nullProbes {
		for _, id := range []string{idFor(p.name, g.ID, ex.ID), missing} {
			r := b.do(bob, p.query, p.vars(id))
			require.Emptyf(t, r.Errors, "%s", p.name)
			require.Equalf(t, "null", string(r.Data[p.field]), "%s on %s", p.name, id)
		}
	}
	notFound := []probe{
		{"updateGraph", `mutation($id: ID!) { updateGraph(id: $id, input: {name: "x", nodes: [{key: "a", blockId: "StoreValueBlock", inputDefault: {input: 1}}], links: []}) { id } }`, gid, ""},
		{"setActiveGraphVersion", `mutation($id: ID!) { setActiveGraphVersion(id: $id, version: 1) { id } }`, gid, ""},
		{"deleteGraph", `mutation($id: ID!) { deleteGraph(id: $id) }`, gid, ""},
		{"forkGraph", `mutation($id: ID!) { forkGraph(id: $id) { id } }`, gid, ""},
		{"executeGraph", `mutation($id: ID!) { executeGraph(graphId: $id) { id } }`, gid, ""},
		{"cancelExecution", `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, gid, "exec"},
		{"shareExecution", `mutation($id: ID!) { shareExecution(id: $id) { id } }`, gid, "exec"},
		{"unshareExecution", `mutation($id: ID!) { unshareExecution(id: $id) { id } }`, gid, "exec"},
		{"revokeAPIKey", `mutation($id: ID!) { revokeAPIKey(id: $id) { id } }`, gid, "key"},
		{"deleteCredential", `mutation($id: ID!) { deleteCredential(id: $id) }`, gid, "cred"},
	}
	for _, p := range notFound {
		target := g.ID
		switch p.field {
		case "exec":
			target = ex.ID
		case "key":
			target = key.APIKey.ID
		case "cred":
			target = cred.ID
		}
		for _, id := range []string{target, missing} {
			r := b.do(bob, p.query, p.vars(id))
			require.Equalf(t, "NOT_FOUND", r.code(), "%s on %s: %+v", p.name, id, r.Errors)
		}
	}
	// Lists: B sees none of A's objects.
	var gl, el struct{ Edges []any }
	b.ok(bob, `{ graphs { edges { node { id } } } }`, nil, "graphs", &gl)
	require.Empty(t, gl.Edges)
	b.ok(bob, `query($g: ID) { executions(graphId: $g) { edges { node { id } } } }`, map[string]any{"g": g.ID}, "executions", &el)
	require.Empty(t, el.Edges)
	var tl struct {
		Edges []struct{ Node struct{ ID string } }
	}
	b.ok(bob, `{ templates(first: 100) { edges { node { id } } } }`, nil, "templates", &tl)
	for _, e := range tl.Edges {
		require.NotEqual(t, g.ID, e.Node.ID, "A's graph is not a template")
	}
	var keys []struct{ ID string }
	var creds []any
	b.ok(bob, `{ credentials { id } }`, nil, "credentials", &creds)
	require.Empty(t, creds)
	b.ok(bob, `{ myAPIKeys { id } }`, nil, "myAPIKeys", &keys)
	for _, k := range keys {
		require.NotEqual(t, key.APIKey.ID, k.ID)
	}
	// Admin-only operations are FORBIDDEN to B.
	for _, q := range []string{`{ users { edges { node { id } } } }`, `{ systemMetrics { healthScore } }`,
		`mutation { setUserRole(userId: "` + missing + `", role: ADMIN) { id } }`,
		`mutation { deactivateUser(userId: "` + missing + `") { id } }`,
		`mutation { addCredits(userId: "` + missing + `", amount: 5) { balance } }`,
		`{ alertRules { id } }`,
		`mutation { createAlertRule(input: {name: "x", condition: "cpu_usage >", threshold: 1, severity: LOW}) { id } }`,
		`mutation { deleteAlertRule(id: "` + missing + `") }`} {
		require.Equal(t, "FORBIDDEN", b.do(bob, q, nil).code(), q)
	}
	// The run finished for A regardless.
	waitStatus(t, b, a, ex.ID, "COMPLETED")

	// A share token reads that one run, without a token and without the graph.
	var shared struct{ ShareToken string }
	b.ok(a, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)
	var viaToken struct {
		ID     string
		Status string
		Graph  *struct{ ID string }
	}
	b.ok("", `query($t: String!) { sharedExecution(shareToken: $t) { id status graph { id } nodeExecutions { id } } }`,
		map[string]any{"t": shared.ShareToken}, "sharedExecution", &viaToken)
	require.Equal(t, ex.ID, viaToken.ID)
	require.Nil(t, viaToken.Graph, "a share token shows the run, not the graph")
	require.Equal(t, "UNAUTHENTICATED", b.do(shared.ShareToken, `{ me { id } }`, nil).code())
	b.ok(a, `mutation($id: ID!) { unshareExecution(id: $id) { isShared } }`, map[string]any{"id": ex.ID}, "", nil)
	r := b.do("", `query($t: String!) { sharedExecution(shareToken: $t) { id } }`, map[string]any{"t": shared.ShareToken})
	require.Equal(t, "null", string(r.Data["sharedExecution"]), "an unshared run's old token reads nothing")
}

func idFor(name, graphID, execID string) string {
	if name == "execution" {
		return execID
	}
	return graphID
}

// waitStatus polls a run's status over the API until it is want (a run is
// short; the deadline only bounds a failure).
func waitStatus(t *testing.T, b *bundle, tok, id, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		var e struct{ Status string }
		b.ok(tok, `query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": id}, "execution", &e)
		if e.Status == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("execution %s is %s, want %s", id, e.Status, want)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestTemplatesAreReadOnlyToOthers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, a := b.user(model.RoleUser)
	_, bob := b.user(model.RoleUser)
	in := chainGraph("tmpl", 3)
	in["isTemplate"] = true
	var g struct{ ID string }
	b.ok(a, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var got struct {
		ID    string
		Owner *struct{ ID string }
		Nodes []any
	}
	b.ok(bob, `query($id: ID!) { graph(id: $id) { id owner { id } nodes { id } } }`, map[string]any{"id": g.ID}, "graph", &got)
	require.Equal(t, g.ID, got.ID)
	require.Nil(t, got.Owner, "a template does not reveal its owner")
	require.Len(t, got.Nodes, 3)
	require.Equal(t, "NOT_FOUND", b.do(bob, `mutation($id: ID!) { updateGraph(id: $id, input: {name: "x", nodes: [{key: "a", blockId: "StoreValueBlock", inputDefault: {input: 1}}], links: []}) { id } }`, map[string]any{"id": g.ID}).code())
	require.Equal(t, "NOT_FOUND", b.do(bob, `mutation($id: ID!) { deleteGraph(id: $id) }`, map[string]any{"id": g.ID}).code())
	var fork struct{ ID string }
	b.ok(bob, `mutation($id: ID!) { forkGraph(id: $id) { id } }`, map[string]any{"id": g.ID}, "forkGraph", &fork)
	require.NotEqual(t, g.ID, fork.ID)
}
