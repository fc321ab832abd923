package resolvers_test

import (
	"strings"
	"testing"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Name and title limits count characters, as the schema says and the
// columns' CHECKs count them, not bytes: 100 (200) Japanese characters,
// three bytes each, are taken; one more is refused naming the field.
func TestLengthLimitsCountCharacters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ GraphID string }
	b.ok(tok, `mutation($in: GraphInput!) { createGraph(input: $in) { graphId } }`,
		map[string]any{"in": chainGraph("limits", 2)}, "createGraph", &g)

	schedule := `mutation($in: ScheduleInput!) { createSchedule(input: $in) { name } }`
	in := func(name string) map[string]any {
		return map[string]any{"in": map[string]any{"graphId": g.GraphID, "name": name, "cron": "@daily", "inputs": map[string]any{"x": 1}}}
	}
	b.ok(tok, schedule, in(strings.Repeat("予", 100)), "", nil)
	b.refusedField(tok, schedule, in(strings.Repeat("予", 101)), "BAD_USER_INPUT", "input.name")

	credential := `mutation($t: String!) { createCredential(input: {provider: "replicate", authType: API_KEY, title: $t, secret: "r8_x"}) { title } }`
	b.ok(tok, credential, map[string]any{"t": strings.Repeat("鍵", 200)}, "", nil)
	b.refusedField(tok, credential, map[string]any{"t": strings.Repeat("鍵", 201)}, "BAD_USER_INPUT", "input.title")
}
