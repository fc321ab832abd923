package resolvers_test

// The objects and valid values TestMalformedArgumentsNeverAnswerInternal
// (malformed_args_test.go) builds its calls around: a field added to the
// schema may need its valid value here.

import (
	"encoding/base64"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/agentgraph/agentgraph/graph"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// fuzzFixtures are the admin's objects that valid arguments refer to, so a
// malformed value is not hidden behind a NOT_FOUND of its neighbours.
type fuzzFixtures struct {
	t      *testing.T
	b      *bundle
	schema *ast.Schema
	admin  string
	ids    map[string]string // what → id
	// extraItems are list items appended after the built one (by position
	// key): GraphInput.nodes gets the sink of the one valid link.
	extraItems map[string][]any
	unique     atomic.Int64
	run        string // alert rules' names are unique in the package's database, which outlives one run (go test -count=N)
}

func newFuzzFixtures(t *testing.T, b *bundle) *fuzzFixtures {
	_, admin := b.user(model.RoleAdmin)
	target, _ := b.user(model.RoleUser)
	fx := &fuzzFixtures{t: t, b: b, admin: admin, run: testenv.RandomSuffix(3), schema: graph.NewExecutableSchema(graph.Config{}).Schema(),
		ids: map[string]string{"user": target.ID.String()},
		extraItems: map[string][]any{
			"GraphInput.nodes": {map[string]any{"key": "b", "blockId": "StoreValueBlock"}},
		}}
	// Two graphs: one that updateGraph and its kin change (their valid
	// calls, and values read as valid, store new versions), and one that
	// keeps the input x that executeGraph's valid inputs name.
	var g, run struct{ ID string }
	b.ok(admin, createGraph, map[string]any{"in": chainGraph("fuzz fixture", 3)}, "createGraph", &g)
	fx.ids["graph"] = g.ID
	b.ok(admin, createGraph, map[string]any{"in": chainGraph("fuzz runs", 3)}, "createGraph", &run)
	fx.ids["runGraph"] = run.ID
	var ex struct{ ID, ShareToken string }
	b.ok(admin, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": run.ID}, "executeGraph", &ex)
	fx.ids["execution"] = ex.ID
	b.ok(admin, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &ex)
	fx.ids["shareToken"] = ex.ShareToken
	var key struct{ APIKey struct{ ID string } }
	b.ok(admin, `mutation { createAPIKey(name: "fuzz") { apiKey { id } } }`, nil, "createAPIKey", &key)
	fx.ids["apiKey"] = key.APIKey.ID
	var cred struct{ ID string }
	b.ok(admin, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "s"}) { id } }`, nil, "createCredential", &cred)
	fx.ids["credential"] = cred.ID
	var rule struct{ ID string }
	b.ok(admin, `mutation { createAlertRule(input: {name: "fuzz", condition: "cpu_usage >", threshold: 99, severity: LOW}) { id } }`,
		nil, "createAlertRule", &rule)
	fx.ids["alertRule"] = rule.ID
	var blocks []struct{ ID string }
	b.ok(admin, `{ blocks { id } }`, nil, "blocks", &blocks)
	fx.ids["block"] = blocks[0].ID
	var named []struct{ ID, Name string }
	b.ok(admin, `{ blocks { id name } }`, nil, "blocks", &named)
	for _, bl := range named {
		if bl.Name == "GithubCommentBlock" { // a block no other test of the package runs: setBlockCosts changes it
			fx.ids["costBlock"] = bl.ID
		}
	}
	var sch struct{ ID string }
	b.ok(admin, `mutation($g: ID!) { createSchedule(input: {graphId: $g, name: "fuzz", cron: "0 0 1 1 *", inputs: {x: 1}}) { id } }`,
		map[string]any{"g": run.ID}, "createSchedule", &sch)
	fx.ids["schedule"] = sch.ID
	var hooks struct {
		ID       string
		Webhooks []struct{ ID string }
	}
	b.ok(admin, createGraph, map[string]any{"in": webhookGraph("fuzz hooks")}, "createGraph", &hooks)
	b.ok(admin, `query($id: ID!) { graph(id: $id) { id webhooks { id } } }`, map[string]any{"id": hooks.ID}, "graph", &hooks)
	fx.ids["webhook"] = hooks.Webhooks[0].ID
	var page struct{ PageInfo struct{ EndCursor string } }
	b.ok(admin, `{ graphs(first: 1) { pageInfo { endCursor } } }`, nil, "graphs", &page)
	fx.ids["cursor"] = page.PageInfo.EndCursor
	return fx
}

// validValue is the valid value of the positions the generic one (a short
// string, 1, an empty object…) does not fit; key is Root.field.argument or
// InputType.field.
func (fx *fuzzFixtures) validValue(key string) (any, bool) {
	unique := fmt.Sprintf("fuzz %s %d", fx.run, fx.unique.Add(1)) // names unique among graphs and rules
	switch key {
	case "Query.block.id":
		return fx.ids["block"], true
	case "Query.graph.id", "Mutation.updateGraph.id", "Mutation.setActiveGraphVersion.id",
		"Mutation.deleteGraph.id", "Mutation.forkGraph.id", "Query.exportGraph.id":
		return fx.ids["graph"], true
	case "Query.executions.graphId", "Mutation.executeGraph.graphId", "Query.estimateGraphCost.graphId",
		"Query.schedules.graphId", "ScheduleInput.graphId":
		return fx.ids["runGraph"], true
	case "Query.execution.id", "Mutation.cancelExecution.id", "Mutation.rerunExecution.id", "Mutation.shareExecution.id", "Mutation.unshareExecution.id":
		return fx.ids["execution"], true
	case "Query.sharedExecution.shareToken":
		return fx.ids["shareToken"], true
	case "Mutation.revokeAPIKey.id":
		return fx.ids["apiKey"], true
	case "Mutation.deleteCredential.id":
		return fx.ids["credential"], true
	case "Mutation.deleteAlertRule.id":
		return fx.ids["alertRule"], true
	case "Mutation.updateSchedule.id", "Mutation.pauseSchedule.id", "Mutation.resumeSchedule.id", "Mutation.deleteSchedule.id":
		return fx.ids["schedule"], true
	case "Mutation.rotateWebhookSecret.id":
		return fx.ids["webhook"], true
	case "Mutation.setBlockCosts.blockId":
		return fx.ids["costBlock"], true
	case "Query.alertEvents.after":
		// An alert event cursor: base64url of "alert:<seq>".
		return base64.RawURLEncoding.EncodeToString([]byte("alert:1")), true
	case "AlertRuleInput.notificationChannels":
		return "webhook:https://alerts.example.com/hook", true // each item of the list
	case "ScheduleInput.cron":
		return "0 0 1 1 *", true
	case "ScheduleInput.inputs", "Query.estimateGraphCost.inputs":
		return map[string]any{"x": 1}, true
	case "ScheduleInput.timezone":
		return "UTC", true
	case "UserPreferencesInput.language":
		return "en-US", true
	case "Mutation.setUserRole.userId", "Mutation.deactivateUser.userId", "Mutation.addCredits.userId", "Mutation.adjustCredits.userId":
		return fx.ids["user"], true
	case "Query.users.after", "Query.graphs.after", "Query.templates.after", "Query.executions.after":
		return fx.ids["cursor"], true
	case "Mutation.executeGraph.inputs":
		return map[string]any{"x": 1}, true
	case "Mutation.importGraph.document":
		return map[string]any{"name": unique, "nodes": []any{map[string]any{"id": "a",
			"block_id": "1ff065e9-88e8-4358-9d82-8dc91f622ba9", "input_default": map[string]any{"input": 1}}}, "links": []any{}}, true
	case "Mutation.forkGraph.name", "Mutation.importGraph.name", "GraphInput.name", "AlertRuleInput.name":
		return unique, true
	case "AlertRuleInput.condition":
		return "cpu_usage >", true
	case "UpdateMeInput.timezone", "UserContextInput.timezone":
		return "UTC", true
	case "UpdateMeInput.locale", "UserContextInput.locale":
		return "en-US", true
	case "NodeInput.key":
		return "a", true
	case "NodeInput.blockId":
		return "StoreValueBlock", true
	case "NodeInput.inputDefault":
		return map[string]any{"input": 1}, true
	case "LinkInput.sourceKey":
		return "a", true
	case "LinkInput.sinkKey":
		return "b", true
	case "LinkInput.sourceName":
		return "output", true
	case "LinkInput.sinkName":
		return "input", true
	case "IntegrationCredentialInput.provider", "Query.credentials.provider":
		return "github", true
	case "Query.systemMetricsHistory.from":
		return "2030-01-01T00:00:00Z", true
	case "Query.systemMetricsHistory.to":
		return "2030-01-01T01:00:00Z", true
	case "Query.systemMetricsHistory.step":
		return 60, true
	}
	return nil, false
}
