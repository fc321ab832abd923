package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestRoles pins what each role may do (internal/authz/rules.go): anonymous
// callers read public data only; moderators watch the platform but manage
// nothing; admins manage users, credits and alert rules; a balance is the
// user's and the admins', a template's maker is shown to its owner and staff.
func TestRoles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	maker, a := b.user(model.RoleUser)
	_, bob := b.user(model.RoleUser)
	_, mod := b.user(model.RoleModerator)
	_, adm := b.user(model.RoleAdmin)
	missing := "7b7b7b7b-0000-4000-8000-000000000000"

	// Anonymous: public fields answer, the rest is UNAUTHENTICATED.
	b.ok("", `{ blocks { id } }`, nil, "", nil)
	for _, q := range []string{`{ graphs { edges { node { id } } } }`, `{ systemMetrics { healthScore } }`,
		`{ users { edges { node { id } } } }`, `mutation { deleteGraph(id: "` + missing + `") }`,
		`subscription { graphExecutions(graphId: "` + missing + `") { id } }`} {
		require.Equal(t, "UNAUTHENTICATED", b.do("", q, nil).code(), q)
	}

	// isAdmin is the seed's is_admin: staff, moderators included.
	for tok, want := range map[string]bool{a: false, mod: true, adm: true} {
		var me struct{ IsAdmin bool }
		b.ok(tok, `{ me { isAdmin } }`, nil, "me", &me)
		require.Equal(t, want, me.IsAdmin)
	}

	// Staff read the platform's load and alert rules; only admins manage.
	for _, tok := range []string{mod, adm} {
		b.ok(tok, `{ systemMetrics { healthScore } }`, nil, "", nil)
		b.ok(tok, `{ alertRules { id } }`, nil, "", nil)
	}
	adminOnly := []string{`{ users { edges { node { id } } } }`,
		`mutation { setUserRole(userId: "` + missing + `", role: ADMIN) { id } }`,
		`mutation { deactivateUser(userId: "` + missing + `") { id } }`,
		`mutation { addCredits(userId: "` + missing + `", amount: 5) { balance } }`,
		`mutation { createAlertRule(input: {name: "x", condition: "cpu_usage > 90", threshold: 1, severity: LOW}) { id } }`,
		`mutation { deleteAlertRule(id: "` + missing + `") }`}
	for _, q := range adminOnly {
		require.Equal(t, "FORBIDDEN", b.do(mod, q, nil).code(), q)
		require.NotEqual(t, "FORBIDDEN", b.do(adm, q, nil).code(), q)
	}

	// A template's maker: shown to staff, hidden from other users; the
	// maker's balance: to admins, FORBIDDEN to moderators.
	in := chainGraph("roles", 2)
	in["isTemplate"] = true
	var g struct{ ID string }
	b.ok(a, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var got struct{ Owner *struct{ ID string } }
	b.ok(bob, `query($id: ID!) { graph(id: $id) { owner { id } } }`, map[string]any{"id": g.ID}, "graph", &got)
	require.Nil(t, got.Owner)
	for _, tok := range []string{mod, adm} {
		b.ok(tok, `query($id: ID!) { graph(id: $id) { owner { id } } }`, map[string]any{"id": g.ID}, "graph", &got)
		require.NotNil(t, got.Owner)
		require.Equal(t, maker.ID.String(), got.Owner.ID)
	}
	credit := `query($id: ID!) { graph(id: $id) { owner { credit { balance } } } }`
	r := b.do(mod, credit, map[string]any{"id": g.ID})
	require.Equal(t, "FORBIDDEN", r.code())
	require.Equal(t, []any{"graph", "owner", "credit"}, r.Errors[0].Path)
	var withCredit struct {
		Owner struct{ Credit struct{ Balance int } }
	}
	b.ok(adm, credit, map[string]any{"id": g.ID}, "graph", &withCredit)
	require.Equal(t, 1_000_000, withCredit.Owner.Credit.Balance)
	b.ok(a, `{ me { credit { balance } } }`, nil, "", nil)
}

// An admin cannot demote themself (as they cannot deactivate themself): that
// could leave no admin. Nothing changes; promoting themself to ADMIN again,
// or demoting another admin, works.
func TestAdminCannotDemoteThemself(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, adm := b.user(model.RoleAdmin)
	o, _ := b.user(model.RoleAdmin)
	set := `mutation($id: ID!, $role: UserRole!) { setUserRole(userId: $id, role: $role) { role } }`
	for _, role := range []string{"USER", "MODERATOR"} {
		r := b.do(adm, set, map[string]any{"id": a.ID.String(), "role": role})
		require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
		require.Equal(t, "role", r.Errors[0].Extensions["field"])
	}
	var me struct{ Role string }
	b.ok(adm, `{ me { role } }`, nil, "me", &me)
	require.Equal(t, "ADMIN", me.Role)
	b.ok(adm, set, map[string]any{"id": a.ID.String(), "role": "ADMIN"}, "", nil)
	var got struct{ Role string }
	b.ok(adm, set, map[string]any{"id": o.ID.String(), "role": "USER"}, "setUserRole", &got)
	require.Equal(t, "USER", got.Role)
}
