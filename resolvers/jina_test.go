package resolvers_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/jinastub"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/model"
)

// The web blocks end to end: jina is a provider (API key), the operator
// points JINA_SEARCH_URL and JINA_READER_URL at a local Jina, a user's key
// is found for the nodes that name none and sent as a bearer token, the
// answers become the run's outputs, and the key is stored and shown nowhere.
// A user without a jina key is refused at executeGraph.
func TestJinaBlocksEndToEnd(t *testing.T) {
	t.Parallel()
	jina := jinastub.New("jina_key")
	t.Cleanup(jina.Close)
	jina.Pages["https://example.com/page"] = "Example text."
	oauth := oauthstub.New()
	t.Cleanup(oauth.Close)
	var env []string
	for k, v := range jina.Env() {
		env = append(env, k, v)
	}
	b := setupIntegrations(t, oauth, env...)
	_, tok := b.user(model.RoleUser)

	var provs []struct {
		Name      string
		AuthTypes []string
	}
	b.ok(tok, `{ integrationProviders { name authTypes } }`, nil, "integrationProviders", &provs)
	require.Contains(t, provs, struct {
		Name      string
		AuthTypes []string
	}{"jina", []string{"API_KEY"}})
	var cred struct{ ID string }
	b.ok(tok, `mutation { createCredential(input: {provider: "jina", authType: API_KEY, secret: "jina_key", title: "Jina"}) { id } }`,
		nil, "createCredential", &cred)

	in := map[string]any{"name": "web", "nodes": []map[string]any{
		{"key": "q", "blockId": "AgentShortTextInputBlock", "inputDefault": map[string]any{"name": "q"}},
		{"key": "search", "blockId": "SearchTheWebBlock"},
		{"key": "read", "blockId": "ExtractWebsiteContentBlock", "inputDefault": map[string]any{"url": "https://example.com/page",
			"credentials": map[string]any{"id": cred.ID}}},
		{"key": "results", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "results"}},
		{"key": "page", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "page"}},
	}, "links": []map[string]any{
		{"sourceKey": "q", "sourceName": "result", "sinkKey": "search", "sinkName": "query"},
		{"sourceKey": "search", "sourceName": "results", "sinkKey": "results", "sinkName": "value"},
		{"sourceKey": "read", "sourceName": "content", "sinkKey": "page", "sinkName": "value"},
	}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	const run = `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`
	var ex struct{ ID string }
	b.ok(tok, run, map[string]any{"g": g.ID, "in": map[string]any{"q": "AI agents"}}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")

	var done struct{ Outputs map[string][]string }
	b.ok(tok, `query($id: ID!) { execution(id: $id) { outputs } }`, map[string]any{"id": ex.ID}, "execution", &done)
	require.Len(t, done.Outputs["results"], 1)
	require.True(t, strings.HasPrefix(done.Outputs["results"][0], "[1] Title: Result 1 for AI agents\n"), done.Outputs["results"][0])
	require.Equal(t, []string{"Title: Page\n\nURL Source: https://example.com/page\n\nMarkdown Content:\nExample text.\n"}, done.Outputs["page"])
	reqs := jina.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		require.Equal(t, "Bearer jina_key", r.Auth)
	}
	r := b.do(tok, `query($id: ID!) { execution(id: $id) { inputs outputs nodeExecutions { inputs outputs } } }`, map[string]any{"id": ex.ID})
	require.Empty(t, r.Errors)
	require.NotContains(t, string(r.Data["execution"]), "jina_key")

	_, other := b.user(model.RoleUser)
	var g2 struct{ ID string }
	b.ok(other, createGraph, map[string]any{"in": map[string]any{"name": "web", "nodes": in["nodes"].([]map[string]any)[:2],
		"links": in["links"].([]map[string]any)[:1]}}, "createGraph", &g2)
	resp := b.do(other, run, map[string]any{"g": g2.ID, "in": map[string]any{"q": "x"}})
	require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
	require.Contains(t, resp.Errors[0].Message, `node "search" (SearchTheWebBlock) needs a jina credential and none is connected`)
	require.Len(t, jina.Requests(), 2, "nothing ran")

	// A schedule of it is refused the same way when saved, rather than
	// failing at every firing, and nothing is stored; with the credential
	// it is taken.
	schedule := `mutation($g: ID!) { createSchedule(input: {graphId: $g, name: "daily search", cron: "@daily", inputs: {q: "x"}}) { id } }`
	resp = b.do(other, schedule, map[string]any{"g": g2.ID})
	require.Equal(t, "BAD_USER_INPUT", resp.code(), "%+v", resp.Errors)
	require.Contains(t, resp.Errors[0].Message, `needs a jina credential and none is connected`)
	var stored []struct{ ID string }
	b.ok(other, `query($g: ID!) { schedules(graphId: $g) { id } }`, map[string]any{"g": g2.ID}, "schedules", &stored)
	require.Empty(t, stored, "nothing stored")
	b.ok(tok, schedule, map[string]any{"g": g.ID}, "", nil)
}
