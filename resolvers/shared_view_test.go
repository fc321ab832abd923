package resolvers_test

import (
	"encoding/json"
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
