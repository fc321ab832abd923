package resolvers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/agentgraph/agentgraph/graph"
	"github.com/agentgraph/agentgraph/internal/model"
)

// idAnswer is how a root field answers an id that names nothing the caller
// may use.
type idAnswer int

const (
	answersNull     idAnswer = iota // a lookup: null, no error
	answersNotFound                 // a mutation or subscription: NOT_FOUND
	answersNothing                  // a filter: an empty page
	answersEmpty                    // a filter: an empty plain list
)

// idCase is one root field's argument that takes an id.
type idCase struct {
	query   string   // the operation; the id is $id
	answer  idAnswer // for a missing id, and for another user's
	owned   string   // which of the owner's objects "another user's" uses; "" when the field has no owner (public, ADMIN)
	asAdmin bool
}

// TestOneRuleForIDs checks the rule of the README's "Errors and ids" on every
// root field with an ID argument (found in the schema, so a new one without
// a case here fails): a malformed id is BAD_USER_INPUT naming the argument;
// a missing one is null for a lookup and NOT_FOUND for a mutation or a
// subscription; another user's answers exactly like a missing one.
func TestOneRuleForIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, owner := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	_, admin := b.user(model.RoleAdmin)

	objects := map[string]string{}
	var g struct{ ID string }
	b.ok(owner, createGraph, map[string]any{"in": chainGraph("ids", 3)}, "createGraph", &g)
	objects["graph"] = g.ID
	var ex struct{ ID string }
	b.ok(owner, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	objects["execution"] = ex.ID
	var key struct{ APIKey struct{ ID string } }
	b.ok(owner, `mutation { createAPIKey(name: "ids") { apiKey { id } } }`, nil, "createAPIKey", &key)
	objects["apiKey"] = key.APIKey.ID
	var cred struct{ ID string }
	b.ok(owner, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "s"}) { id } }`, nil, "createCredential", &cred)
	objects["credential"] = cred.ID
	var sch struct{ ID string }
	b.ok(owner, `mutation($g: ID!) { createSchedule(input: {graphId: $g, name: "ids", cron: "0 0 1 1 *", inputs: {x: 1}}) { id } }`,
		map[string]any{"g": g.ID}, "createSchedule", &sch)
	objects["schedule"] = sch.ID
	var hookGraph struct {
		ID       string
		Webhooks []struct{ ID string }
	}
	b.ok(owner, createGraph, map[string]any{"in": webhookGraph("ids hooks")}, "createGraph", &hookGraph)
	b.ok(owner, `query($id: ID!) { graph(id: $id) { id webhooks { id } } }`, map[string]any{"id": hookGraph.ID}, "graph", &hookGraph)
	require.Len(t, hookGraph.Webhooks, 1)
	objects["webhook"] = hookGraph.Webhooks[0].ID

	const graphInput = `{name: "ids 2", nodes: [{key: "a", blockId: "StoreValueBlock", inputDefault: {input: 1}}], links: []}`
	cases := map[string]idCase{
		"Query.block.id":                           {query: `query($id: ID!) { block(id: $id) { id } }`, answer: answersNull},
		"Query.graph.id":                           {query: `query($id: ID!) { graph(id: $id) { id } }`, answer: answersNull, owned: "graph"},
		"Query.exportGraph.id":                     {query: `query($id: ID!) { exportGraph(id: $id) }`, answer: answersNull, owned: "graph"},
		"Query.execution.id":                       {query: `query($id: ID!) { execution(id: $id) { id } }`, answer: answersNull, owned: "execution"},
		"Query.executions.graphId":                 {query: `query($id: ID) { executions(graphId: $id) { edges { node { id } } } }`, answer: answersNothing, owned: "graph"},
		"Mutation.revokeAPIKey.id":                 {query: `mutation($id: ID!) { revokeAPIKey(id: $id) { id } }`, answer: answersNotFound, owned: "apiKey"},
		"Mutation.setUserRole.userId":              {query: `mutation($id: ID!) { setUserRole(userId: $id, role: USER) { id } }`, answer: answersNotFound, asAdmin: true},
		"Mutation.deactivateUser.userId":           {query: `mutation($id: ID!) { deactivateUser(userId: $id) { id } }`, answer: answersNotFound, asAdmin: true},
		"Mutation.addCredits.userId":               {query: `mutation($id: ID!) { addCredits(userId: $id, amount: 1) { balance } }`, answer: answersNotFound, asAdmin: true},
		"Mutation.updateGraph.id":                  {query: `mutation($id: ID!) { updateGraph(id: $id, input: ` + graphInput + `) { id } }`, answer: answersNotFound, owned: "graph"},
		"Mutation.setActiveGraphVersion.id":        {query: `mutation($id: ID!) { setActiveGraphVersion(id: $id, version: 1) { id } }`, answer: answersNotFound, owned: "graph"},
		"Mutation.deleteGraph.id":                  {query: `mutation($id: ID!) { deleteGraph(id: $id) }`, answer: answersNotFound, owned: "graph"},
		"Mutation.forkGraph.id":                    {query: `mutation($id: ID!) { forkGraph(id: $id) { id } }`, answer: answersNotFound, owned: "graph"},
		"Mutation.executeGraph.graphId":            {query: `mutation($id: ID!) { executeGraph(graphId: $id, inputs: {x: 1}) { id } }`, answer: answersNotFound, owned: "graph"},
		"Mutation.cancelExecution.id":              {query: `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, answer: answersNotFound, owned: "execution"},
		"Mutation.rerunExecution.id":               {query: `mutation($id: ID!) { rerunExecution(id: $id) { id } }`, answer: answersNotFound, owned: "execution"},
		"Mutation.shareExecution.id":               {query: `mutation($id: ID!) { shareExecution(id: $id) { id } }`, answer: answersNotFound, owned: "execution"},
		"Mutation.unshareExecution.id":             {query: `mutation($id: ID!) { unshareExecution(id: $id) { id } }`, answer: answersNotFound, owned: "execution"},
		"Mutation.deleteCredential.id":             {query: `mutation($id: ID!) { deleteCredential(id: $id) }`, answer: answersNotFound, owned: "credential"},
		"Mutation.deleteAlertRule.id":              {query: `mutation($id: ID!) { deleteAlertRule(id: $id) }`, answer: answersNotFound, asAdmin: true},
		"Subscription.executionEvents.executionId": {query: `subscription($id: ID!) { executionEvents(executionId: $id) { seq } }`, answer: answersNotFound, owned: "execution"},
		"Query.estimateGraphCost.graphId":          {query: `query($id: ID!) { estimateGraphCost(graphId: $id) { min } }`, answer: answersNotFound, owned: "graph"},
		"Query.schedules.graphId":                  {query: `query($id: ID!) { schedules(graphId: $id) { id } }`, answer: answersEmpty, owned: "graph"},
		"Mutation.updateSchedule.id":               {query: `mutation($id: ID!) { updateSchedule(id: $id, input: {graphId: "` + g.ID + `", name: "x", cron: "0 0 1 1 *", inputs: {x: 1}}) { id } }`, answer: answersNotFound, owned: "schedule"},
		"Mutation.pauseSchedule.id":                {query: `mutation($id: ID!) { pauseSchedule(id: $id) { id } }`, answer: answersNotFound, owned: "schedule"},
		"Mutation.resumeSchedule.id":               {query: `mutation($id: ID!) { resumeSchedule(id: $id) { id } }`, answer: answersNotFound, owned: "schedule"},
		"Mutation.deleteSchedule.id":               {query: `mutation($id: ID!) { deleteSchedule(id: $id) }`, answer: answersNotFound, owned: "schedule"},
		"Mutation.rotateWebhookSecret.id":          {query: `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, answer: answersNotFound, owned: "webhook"},
		"Mutation.adjustCredits.userId":            {query: `mutation($id: ID!) { adjustCredits(userId: $id, amount: 1, reason: "ids") { balance } }`, answer: answersNotFound, asAdmin: true},
		"Mutation.setBlockCosts.blockId":           {query: `mutation($id: ID!) { setBlockCosts(blockId: $id, costs: []) { id } }`, answer: answersNotFound, asAdmin: true},
		"Subscription.executionLogs.executionId":   {query: `subscription($id: ID!) { executionLogs(executionId: $id) { message } }`, answer: answersNotFound, owned: "execution"},
		"Subscription.graphExecutions.graphId":     {query: `subscription($id: ID!) { graphExecutions(graphId: $id) { id } }`, answer: answersNotFound, owned: "graph"},
	}

	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		for _, f := range root.Fields {
			for _, a := range f.Arguments {
				if a.Type.NamedType != "ID" {
					continue
				}
				name := root.Name + "." + f.Name + "." + a.Name
				c, ok := cases[name]
				require.Truef(t, ok, "%s takes an id: add it to this test's cases", name)
				t.Run(name, func(t *testing.T) {
					tok := other
					if c.asAdmin {
						tok = admin
					}
					field := f.Name
					for _, bad := range []string{"nope", "", "7b7b7b7b-0000-4000-8000-00000000000", "12"} {
						r := b.do(tok, c.query, map[string]any{"id": bad})
						require.Equalf(t, "BAD_USER_INPUT", r.code(), "malformed id %q: %+v", bad, r.Errors)
						require.Equal(t, a.Name, r.Errors[0].Extensions["field"])
						require.Equal(t, []any{field}, r.Errors[0].Path)
					}
					missing := b.do(tok, c.query, map[string]any{"id": "7b7b7b7b-0000-4000-8000-000000000000"})
					switch c.answer {
					case answersNull:
						require.Emptyf(t, missing.Errors, "a missing id: %+v", missing.Errors)
						require.Equal(t, "null", string(missing.Data[field]))
					case answersNothing:
						require.Emptyf(t, missing.Errors, "a missing id: %+v", missing.Errors)
						var page struct{ Edges []any }
						require.NoError(t, json.Unmarshal(missing.Data[field], &page))
						require.Empty(t, page.Edges)
					case answersEmpty:
						require.Emptyf(t, missing.Errors, "a missing id: %+v", missing.Errors)
						require.Equal(t, "[]", string(missing.Data[field]))
					case answersNotFound:
						require.Equalf(t, "NOT_FOUND", missing.code(), "a missing id: %+v", missing.Errors)
					}
					if c.owned == "" {
						return
					}
					theirs := b.do(tok, c.query, map[string]any{"id": objects[c.owned]})
					require.Equal(t, missing.Status, theirs.Status)
					require.Equal(t, missing.Data, theirs.Data, "another user's %s reads like a missing one", c.owned)
					require.Equal(t, len(missing.Errors), len(theirs.Errors))
					for i := range missing.Errors {
						require.Equal(t, missing.Errors[i].Message, theirs.Errors[i].Message)
						require.Equal(t, missing.Errors[i].Extensions, theirs.Errors[i].Extensions)
					}
				})
			}
		}
	}

	// The share token follows the same rule: one that cannot be a token is
	// BAD_USER_INPUT, a well-formed unknown one reads null.
	const shared = `query($t: String!) { sharedExecution(shareToken: $t) { id } }`
	for _, bad := range []string{"", "not a token", "tok%en", strings.Repeat("a", 201)} {
		r := b.do("", shared, map[string]any{"t": bad})
		require.Equalf(t, "BAD_USER_INPUT", r.code(), "share token %q: %+v", bad, r.Errors)
		require.Equal(t, "shareToken", r.Errors[0].Extensions["field"])
	}
	r := b.do("", shared, map[string]any{"t": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	require.Empty(t, r.Errors)
	require.Equal(t, "null", string(r.Data["sharedExecution"]))
}
