package resolvers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/gmailstub"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// GmailSendBlock end to end: a user without a google credential is refused
// at executeGraph naming the node and the provider; one who connected
// Google (OAuth2, the gmail.send scope) sends the email through the Gmail
// API at GMAIL_API_URL with the stored access token; Google's 401 fails
// the node with Google's message and without the token.
func TestGmailSendThroughTheAPI(t *testing.T) {
	t.Parallel()
	stub := oauthstub.New()
	t.Cleanup(stub.Close)
	gm := gmailstub.New()
	t.Cleanup(gm.Close)
	gm.SetAccept(stub.ValidAccess)
	env := []string{"OAUTH_PROVIDERS", "fake,google"}
	for k, v := range stub.Env("google") {
		if k != "OAUTH_PROVIDERS" {
			env = append(env, k, v)
		}
	}
	env = append(env, "OAUTH_GOOGLE_SCOPES", "https://www.googleapis.com/auth/gmail.send", "GMAIL_API_URL", gm.URL)
	b := setupIntegrations(t, stub, env...)
	_, with := b.user(model.RoleUser)
	_, without := b.user(model.RoleUser)
	in := func() map[string]any {
		return map[string]any{"name": "mail " + testenv.RandomSuffix(6), "nodes": []map[string]any{
			{"key": "to", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "to"}},
			{"key": "mail", "blockId": "GmailSendBlock", "inputDefault": map[string]any{"to": []any{""}, "subject": "Weekly news",
				"body": "<h1>News</h1><p>It rained.</p>", "cc": []any{}, "content_type": nil}},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "status"}},
		}, "links": []map[string]any{
			{"sourceKey": "to", "sourceName": "result", "sinkKey": "mail", "sinkName": "to_$_0"},
			{"sourceKey": "mail", "sourceName": "result", "sinkKey": "out", "sinkName": "value"},
		}}
	}
	const exec = `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {to: "ann@example.com"}) { id } }`
	var g struct{ ID string }
	b.ok(without, createGraph, map[string]any{"in": in()}, "createGraph", &g)
	r := b.do(without, exec, map[string]any{"g": g.ID})
	require.Equal(t, "BAD_USER_INPUT", r.code(), "%+v", r.Errors)
	require.Contains(t, r.Errors[0].Message, `node "mail" (GmailSendBlock) needs a google credential and none is connected`)
	require.Empty(t, gm.Requests(), "nothing sent")

	var s struct{ AuthorizeURL string }
	b.ok(with, startOAuth, map[string]any{"p": "google"}, "startIntegrationOAuth", &s)
	resp, err := http.Get(s.AuthorizeURL) // the provider's 302 to our callback
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b.ok(with, createGraph, map[string]any{"in": in()}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(with, exec, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, with, ex.ID, "COMPLETED")
	var got struct {
		Outputs map[string][]map[string]string
	}
	b.ok(with, `query($id: ID!) { execution(id: $id) { outputs } }`, map[string]any{"id": ex.ID}, "execution", &got)
	require.Equal(t, []map[string]string{{"id": "sent1", "status": "sent"}}, got.Outputs["status"])
	sent := gm.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, []string{"ann@example.com"}, sent[0].To)
	require.Equal(t, "Weekly news", sent[0].Subject)
	require.Equal(t, "<h1>News</h1><p>It rained.</p>", sent[0].Body)
	require.Equal(t, "text/html", sent[0].ContentType)

	// Google refuses the token: the node fails with Google's message.
	gm.SetAccept(func(string) bool { return false })
	b.ok(with, exec, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, with, ex.ID, "FAILED")
	msg := nodeErrors(t, b, with, ex.ID)
	require.Contains(t, msg, "Gmail answered 401 to messages.send: Request had invalid authentication credentials")
	require.False(t, strings.Contains(msg, "access-"), "no token in %s", msg)
}
