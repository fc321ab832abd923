package resolvers_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A run copies its owner's preferences into its userContext, for its
// blocks. They are the owner's account settings (any key the owner stored,
// the editor's defaultGraphSettings), not part of what was shared: a
// share-token reader, anonymous or signed in as someone else, reads `{}`
// (sharedExecution is the shared view whoever reads it, as its nodes are);
// the owner's execution still shows them.
func TestSharedRunHidesTheOwnersPreferences(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	b.ok(tok, `mutation { updatePreferences(input: {other: {note: "pref-of-the-owner"}, defaultGraphSettings: {k: "settings-of-the-owner"}}) { id } }`, nil, "", nil)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("prefs-shared", 2)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}, userContext: {timezone: "Europe/Paris"}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)

	type ctxAnswer struct {
		UserContext struct {
			Timezone, Locale string
			Preferences      map[string]any
		}
	}
	const sq = `query($t: String!) { sharedExecution(shareToken: $t) { userContext { timezone locale preferences } } }`
	for _, reader := range []string{"", other, tok} {
		var got ctxAnswer
		b.ok(reader, sq, map[string]any{"t": shared.ShareToken}, "sharedExecution", &got)
		require.Empty(t, got.UserContext.Preferences, "reader %d", len(reader))
		require.Equal(t, "Europe/Paris", got.UserContext.Timezone, "the run's time zone stays: its outputs' times are in it")
		raw, _ := b.raw(b.url, reader, `query($t: String!) { sharedExecution(shareToken: $t) { ...C } }
			fragment C on GraphExecution { c: userContext { p: preferences } }`, map[string]any{"t": shared.ShareToken})
		require.NotContains(t, string(raw), "of-the-owner")
	}
	var own ctxAnswer
	b.ok(tok, `query($id: ID!) { execution(id: $id) { userContext { timezone locale preferences } } }`, map[string]any{"id": ex.ID}, "execution", &own)
	require.Equal(t, "pref-of-the-owner", own.UserContext.Preferences["note"], "the owner reads them")
	require.Equal(t, map[string]any{"k": "settings-of-the-owner"}, own.UserContext.Preferences["defaultGraphSettings"])
}

// An output marked secret (AgentOutputBlock secret: true, writeOnly in the
// graph's output schema) is recorded for the run's owner, who reads it; a
// share-token reader, who cannot read the output schema to mask it, reads
// "********" for each of its values, in the run's outputs and in its node's
// execution, while the run's other outputs stay. Was: shown in clear.
func TestSharedRunMasksSecretOutputs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "secret output", "nodes": []map[string]any{
		{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
		{"key": "key", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "key", "secret": true, "format": "sk-{{value}}-made"}},
		{"key": "plain", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "plain"}}},
		"links": []map[string]any{
			{"sourceKey": "in", "sourceName": "result", "sinkKey": "key", "sinkName": "value"},
			{"sourceKey": "in", "sourceName": "result", "sinkKey": "plain", "sinkName": "value"}}}}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: "abc"}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)

	type runAnswer struct {
		Outputs        map[string][]any
		NodeExecutions []struct{ Outputs map[string][]any }
	}
	const fields = `outputs nodeExecutions { outputs }`
	var own runAnswer
	b.ok(tok, `query($id: ID!) { execution(id: $id) { `+fields+` } }`, map[string]any{"id": ex.ID}, "execution", &own)
	require.Equal(t, map[string][]any{"key": {"sk-abc-made"}, "plain": {"abc"}}, own.Outputs, "the owner reads them")

	raw, _ := b.raw(b.url, "", `query($t: String!) { sharedExecution(shareToken: $t) { `+fields+` } }`, map[string]any{"t": shared.ShareToken})
	require.NotContains(t, string(raw), "sk-abc-made")
	var got struct {
		Data struct{ SharedExecution runAnswer }
	}
	require.NoError(t, json.Unmarshal(raw, &got), "%s", raw)
	require.Equal(t, map[string][]any{"key": {"********"}, "plain": {"abc"}}, got.Data.SharedExecution.Outputs)
	masked := 0
	for _, ne := range got.Data.SharedExecution.NodeExecutions {
		if vs, ok := ne.Outputs["output"]; ok && vs[0] == "********" {
			masked++
		}
	}
	require.Equal(t, 1, masked, "the secret output's node execution: %s", raw)
}

// A shared run tells nothing of its owner: walking every field reachable
// from sharedExecution (the schema's own list, so a field added later is
// walked too), as another signed-in user and as nobody, the answers hold
// neither the owner's user id, nor the webhook's id (the last part of the
// URL deliveries are posted to) or its delivery id, nor a default the
// owner typed that no node execution ran with (a linked pin's, an unrun
// node's), nor its metadata, nor the id or title of the owner's
// credential a node ran with; the userIds read the nil UUID, and a node's
// requiredInputs are as if it had no defaults (the owner's say which pins
// have one). The owner's own view is unchanged. Was: both userIds,
// trigger.webhookId and the credential were the owner's, requiredInputs
// the owner's.
func TestSharedRunRevealsNothingOfTheOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	var cred struct{ ID string }
	b.ok(tok, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "ghp_owner", title: "owner-credential-title"}) { id } }`,
		nil, "createCredential", &cred)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "shared hook", "nodes": []map[string]any{
		{"key": "hook", "blockId": "GenericWebhookTriggerBlock"},
		// A request with one of the owner's credentials (it fails: nothing
		// listens there), its error handled by nothing.
		{"key": "web", "blockId": "SendWebRequestBlock", "inputDefault": map[string]any{"url": "http://127.0.0.1:1/", "credentials": map[string]any{
			"id": cred.ID, "title": "owner-credential-title", "provider": "github", "type": "API_KEY"}}},
		{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "out", "value": "owner-default-linked"},
			"metadata": map[string]any{"note": "owner-metadata"}},
		{"key": "idle", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"data": "owner-default-unrun"}}},
		"links": []map[string]any{
			{"sourceKey": "hook", "sourceName": "payload", "sinkKey": "out", "sinkName": "value"},
			{"sourceKey": "hook", "sourceName": "error", "sinkKey": "idle", "sinkName": "input"},
			{"sourceKey": "hook", "sourceName": "payload", "sinkKey": "web", "sinkName": "body"}}}}, "createGraph", &g)
	var hooks struct{ Webhooks []struct{ ID string } }
	b.ok(tok, `query($id: ID!) { graph(id: $id) { webhooks { id } } }`, map[string]any{"id": g.ID}, "graph", &hooks)
	require.Len(t, hooks.Webhooks, 1)
	hookID := hooks.Webhooks[0].ID
	url, secret, _ := rotate(t, b, tok, g.ID)
	body := []byte(`{"event":"ping"}`)
	a := post(t, url, "application/json", body, map[string]string{"X-Agentgraph-Signature": sign(secret, body),
		"X-Agentgraph-Delivery": "owner-delivery-7"})
	require.Equal(t, http.StatusAccepted, a.status)
	waitStatus(t, b, tok, a.execID, "FAILED")
	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": a.execID}, "shareExecution", &shared)

	ownersOwn := []string{owner.ID.String(), hookID, "owner-delivery-7", "owner-default-linked", "owner-default-unrun", "owner-metadata", secret,
		cred.ID, "owner-credential-title"}
	vars := map[string]any{"t": shared.ShareToken}
	walked := 0
	for field, sel := range b.everyField(other, "GraphExecution") {
		q := `query($t: String!) { sharedExecution(shareToken: $t) { ` + sel + ` } }`
		for _, reader := range []string{other, ""} {
			raw, status := b.raw(b.url, reader, q, vars)
			require.Equal(t, http.StatusOK, status, "%s: %s", field, raw)
			if reader == other {
				var r response
				require.NoError(t, json.Unmarshal(raw, &r))
				require.Empty(t, r.Errors, "%s: %s", field, raw)
			}
			for _, s := range ownersOwn {
				require.NotContains(t, string(raw), s, "sharedExecution.%s (reader signed in: %v)", field, reader != "")
			}
		}
		walked++
	}
	require.Greater(t, walked, 25, "every field of GraphExecution is walked (28 in 2026-12)")

	var got struct {
		UserID  string
		Trigger struct {
			Kind                              string
			ScheduleID, WebhookID, DeliveryID *string
		}
		Logs struct {
			Edges []struct{ Node struct{ UserID string } }
		}
		NodeExecutions []struct {
			Inputs map[string]any
			Node   struct {
				Key            string
				RequiredInputs []string
			}
		}
		Links []struct {
			Sink struct {
				Key            string
				RequiredInputs []string
			}
		}
	}
	const fields = `userId trigger { kind scheduleId webhookId deliveryId } logs(first: 100) { edges { node { userId } } }
		nodeExecutions { inputs node { key requiredInputs } } links { sink { key requiredInputs } }`
	b.ok(other, `query($t: String!) { sharedExecution(shareToken: $t) { `+fields+` } }`, vars, "sharedExecution", &got)
	const nobody = "00000000-0000-0000-0000-000000000000"
	require.Equal(t, nobody, got.UserID)
	require.Equal(t, "WEBHOOK", got.Trigger.Kind, "why the run started stays")
	require.Nil(t, got.Trigger.WebhookID)
	require.Nil(t, got.Trigger.DeliveryID)
	require.NotEmpty(t, got.Logs.Edges, "the run's end is logged")
	for _, l := range got.Logs.Edges {
		require.Equal(t, nobody, l.Node.UserID)
	}
	byKey := func() (required map[string][]string, credentials map[string]any) {
		required = map[string][]string{}
		for _, ne := range got.NodeExecutions {
			required[ne.Node.Key] = ne.Node.RequiredInputs
			if ne.Node.Key == "web" {
				credentials, _ = ne.Inputs["credentials"].(map[string]any)
			}
		}
		for _, l := range got.Links {
			require.Equal(t, required[l.Sink.Key], l.Sink.RequiredInputs, "a link's end is its node")
		}
		return required, credentials
	}
	required, credentials := byKey()
	require.Equal(t, []string{"name"}, required["out"], "as if `out` had no default name")
	require.Equal(t, []string{"url"}, required["web"], "as if `web` had no default url")
	require.Len(t, got.Links, 2, "hook → out, hook → web")
	require.Equal(t, map[string]any{"provider": "github", "type": "API_KEY"}, credentials, "the credential's kind, not which")

	b.ok(tok, `query($id: ID!) { execution(id: $id) { `+fields+` } }`, map[string]any{"id": a.execID}, "execution", &got)
	require.Equal(t, owner.ID.String(), got.UserID, "the owner's view")
	require.Equal(t, hookID, *got.Trigger.WebhookID)
	require.Equal(t, "owner-delivery-7", *got.Trigger.DeliveryID)
	require.Equal(t, owner.ID.String(), got.Logs.Edges[0].Node.UserID)
	required, credentials = byKey()
	require.Empty(t, required["out"], "the owner's `out` has its name")
	require.Empty(t, required["web"])
	require.Equal(t, cred.ID, credentials["id"], "the owner reads which credential ran")
}

// A run's and a node's error messages, and the run's log lines, name what
// failed by the owner's ids: a deleted credential's ("credential <id> no
// longer exists"), another of the owner's graphs. A share-token reader
// reads them as "(the owner's)"; the owner reads them as they are. Was: the
// run's errorMessage and its log line named the deleted credential's id.
func TestSharedRunErrorsNameNoneOfTheOwnersIDs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var cred struct{ ID string }
	b.ok(tok, `mutation { createCredential(input: {provider: "github", authType: API_KEY, secret: "ghp_gone", title: "gone-title"}) { id } }`,
		nil, "createCredential", &cred)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "deleted credential", "nodes": []map[string]any{
		{"key": "web", "blockId": "SendWebRequestBlock", "inputDefault": map[string]any{"url": "http://127.0.0.1:1/", "credentials": map[string]any{
			"id": cred.ID, "provider": "github", "type": "API_KEY"}}}}, "links": []map[string]any{}}}, "createGraph", &g)
	b.ok(tok, `mutation($id: ID!) { deleteCredential(id: $id) }`, map[string]any{"id": cred.ID}, "", nil)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	waitStatus(t, b, tok, ex.ID, "FAILED")
	var shared struct{ ShareToken string }
	b.ok(tok, `mutation($id: ID!) { shareExecution(id: $id) { shareToken } }`, map[string]any{"id": ex.ID}, "shareExecution", &shared)

	sel := `errorMessage nodeExecutions { errorMessage } logs(first: 50) { edges { node { message formattedMessage } } }`
	own, _ := b.raw(b.url, tok, `query($id: ID!) { execution(id: $id) { `+sel+` } }`, map[string]any{"id": ex.ID})
	require.Contains(t, string(own), "credential "+cred.ID+" no longer exists", "the owner reads which credential: %s", own)
	raw, _ := b.raw(b.url, "", `query($t: String!) { sharedExecution(shareToken: $t) { `+sel+` } }`, map[string]any{"t": shared.ShareToken})
	require.NotContains(t, string(raw), cred.ID)
	require.Contains(t, string(raw), "credential (the owner's) no longer exists", "%s", raw)
}
