package resolvers_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

const mePrefs = `{ me { locale updatedAt preferences { theme language notificationsEnabled autoSaveEnabled defaultGraphSettings other } } }`

type prefsView struct {
	Locale      string
	UpdatedAt   string
	Preferences struct {
		Theme                string
		Language             string
		NotificationsEnabled bool
		AutoSaveEnabled      bool
		DefaultGraphSettings map[string]any
		Other                map[string]any
	}
}

func (b *bundle) prefs(tok string) prefsView {
	b.t.Helper()
	var v prefsView
	b.ok(tok, mePrefs, nil, "me", &v)
	return v
}

// refused sends a request that must fail with code, naming field (when
// given), and change nothing the caller can see.
func (b *bundle) refused(tok, query string, vars map[string]any, code, field string) {
	b.t.Helper()
	before := b.prefs(tok)
	r := b.do(tok, query, vars)
	require.Equalf(b.t, code, r.code(), "%s: %+v", query, r.Errors)
	if field != "" {
		require.Equal(b.t, field, r.Errors[0].Extensions["field"], query)
	}
	require.Equal(b.t, before, b.prefs(tok), "nothing changed: %s", query)
}

// TestPreferences: the seed's typed UserPreferences, their defaults, the
// key-by-key merge of updatePreferences and updateMe, and bad values
// refused with nothing changed.
func TestPreferences(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)

	p := b.prefs(tok)
	require.Equal(t, "SYSTEM", p.Preferences.Theme)
	require.Equal(t, "en-US", p.Preferences.Language, "the language defaults to the locale")
	require.True(t, p.Preferences.NotificationsEnabled)
	require.True(t, p.Preferences.AutoSaveEnabled)
	require.Equal(t, map[string]any{}, p.Preferences.DefaultGraphSettings)
	require.Equal(t, map[string]any{}, p.Preferences.Other)

	const updatePrefs = `mutation($in: UserPreferencesInput!) { updatePreferences(input: $in) {
		preferences { theme language notificationsEnabled autoSaveEnabled defaultGraphSettings other } } }`
	var u struct{ Preferences struct{ Theme string } }
	b.ok(tok, updatePrefs, map[string]any{"in": map[string]any{"theme": "DARK", "defaultGraphSettings": map[string]any{"grid": 8}}},
		"updatePreferences", &u)
	require.Equal(t, "DARK", u.Preferences.Theme)

	// updateMe merges too: earlier keys are kept.
	b.ok(tok, `mutation { updateMe(input: {preferences: {fontSize: 14, notificationsEnabled: false}}) { id } }`, nil, "", nil)
	b.ok(tok, updatePrefs, map[string]any{"in": map[string]any{"language": "fr_ca", "other": map[string]any{"sidebar": "left"}}}, "", nil)
	p = b.prefs(tok)
	require.Equal(t, "DARK", p.Preferences.Theme)
	require.Equal(t, "fr-CA", p.Preferences.Language, "canonical form")
	require.False(t, p.Preferences.NotificationsEnabled)
	require.True(t, p.Preferences.AutoSaveEnabled)
	require.Equal(t, map[string]any{"grid": 8.0}, p.Preferences.DefaultGraphSettings)
	require.Equal(t, map[string]any{"fontSize": 14.0, "sidebar": "left"}, p.Preferences.Other)
	require.Equal(t, "en-US", p.Locale, "the language is not the locale")

	// Bad values: BAD_USER_INPUT naming the field, nothing changed.
	b.refused(tok, updatePrefs, map[string]any{"in": map[string]any{"theme": "LIGHT", "language": "klingon-xx"}}, "BAD_USER_INPUT", "input.language")
	b.refused(tok, updatePrefs, map[string]any{"in": map[string]any{"defaultGraphSettings": []any{1}}}, "BAD_USER_INPUT", "input.defaultGraphSettings")
	b.refused(tok, updatePrefs, map[string]any{"in": map[string]any{"other": map[string]any{"theme": "LIGHT"}}}, "BAD_USER_INPUT", "input.other.theme")
	// A NUL is refused where the argument is read (gqlscalar), naming the argument's path.
	b.refused(tok, updatePrefs, map[string]any{"in": map[string]any{"theme": "LIGHT", "other": map[string]any{"note": "a\x00b"}}}, "BAD_USER_INPUT", "input.other")
	b.refused(tok, `mutation { updateMe(input: {name: "Eve", preferences: {theme: "purple"}}) { id } }`, nil, "BAD_USER_INPUT", "input.preferences.theme")
	b.refused(tok, `mutation { updateMe(input: {preferences: {autoSaveEnabled: "yes"}}) { id } }`, nil, "BAD_USER_INPUT", "input.preferences.autoSaveEnabled")
	b.refused(tok, `mutation { updateMe(input: {preferences: [1]}) { id } }`, nil, "BAD_USER_INPUT", "input.preferences")
	b.refused(tok, `mutation { updateMe(input: {name: "Eve", locale: "not a tag"}) { id } }`, nil, "BAD_USER_INPUT", "input.locale")
	b.refused(tok, `mutation { updateMe(input: {locale: "xx-YY"}) { id } }`, nil, "BAD_USER_INPUT", "input.locale")
	b.refused(tok, `mutation { updateMe(input: {timezone: "Local"}) { id } }`, nil, "BAD_USER_INPUT", "input.timezone")
	// An enum outside Theme is refused by GraphQL validation, before any resolver.
	b.refused(tok, `mutation { updatePreferences(input: {theme: PURPLE}) { id } }`, nil, "GRAPHQL_VALIDATION_FAILED", "")
	b.refused(tok, updatePrefs, map[string]any{"in": map[string]any{"theme": "purple"}}, "GRAPHQL_VALIDATION_FAILED", "")

	// A key set to null is removed: a typed one reads as its default again.
	b.ok(tok, `mutation { updateMe(input: {locale: "de-de", preferences: {theme: null, language: null, sidebar: null}}) { id } }`, nil, "", nil)
	p = b.prefs(tok)
	require.Equal(t, "SYSTEM", p.Preferences.Theme)
	require.Equal(t, "de-DE", p.Locale)
	require.Equal(t, "de-DE", p.Preferences.Language, "back to the (new) locale")
	require.Equal(t, map[string]any{"fontSize": 14.0}, p.Preferences.Other)
	require.False(t, p.Preferences.NotificationsEnabled, "untouched")
}

// TestRunContextDefaultsFromPreferences: a run's UserContext is the user's
// stored time zone, locale and preferences, with what executeGraph's
// userContext names merged over them for that run only.
func TestRunContextDefaultsFromPreferences(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	b.ok(tok, `mutation { updateMe(input: {timezone: "Europe/Paris", locale: "de-DE", preferences: {theme: "DARK", fontSize: 14}}) { id } }`, nil, "", nil)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("ctx", 3)}, "createGraph", &g)

	type runContext struct {
		Timezone, Locale string
		Preferences      map[string]any
	}
	run := func(uc map[string]any) runContext {
		t.Helper()
		var ex struct{ UserContext runContext }
		b.ok(tok, `mutation($g: ID!, $uc: UserContextInput) { executeGraph(graphId: $g, inputs: {x: 1}, userContext: $uc) {
			userContext { timezone locale preferences } } }`, map[string]any{"g": g.ID, "uc": uc}, "executeGraph", &ex)
		return ex.UserContext
	}
	stored := map[string]any{"theme": "DARK", "language": "de-DE", "notificationsEnabled": true, "autoSaveEnabled": true,
		"defaultGraphSettings": map[string]any{}, "fontSize": 14.0}

	require.Equal(t, runContext{Timezone: "Europe/Paris", Locale: "de-DE", Preferences: stored}, run(nil),
		"no userContext: the user's own")
	require.Equal(t, runContext{Timezone: "Europe/Paris", Locale: "de-DE", Preferences: stored}, run(map[string]any{}),
		"an empty userContext: the same")

	got := run(map[string]any{"locale": "fr_fr", "preferences": map[string]any{"fontSize": 20, "theme": nil, "extra": true}})
	require.Equal(t, runContext{Timezone: "Europe/Paris", Locale: "fr-FR", Preferences: map[string]any{"theme": "SYSTEM",
		"language": "fr-FR", "notificationsEnabled": true, "autoSaveEnabled": true, "defaultGraphSettings": map[string]any{},
		"fontSize": 20.0, "extra": true}}, got, "a partial userContext: the stored settings fill the gaps")
	require.Equal(t, "DARK", b.prefs(tok).Preferences.Theme, "a run's overrides are not stored")

	// The run's stored context is what a later read (and the run's blocks) see.
	var ex struct {
		Edges []struct {
			Node struct{ UserContext runContext }
		}
	}
	b.ok(tok, `{ executions(first: 1) { edges { node { userContext { timezone locale preferences } } } } }`, nil, "executions", &ex)
	require.Len(t, ex.Edges, 1)
	require.Equal(t, got, ex.Edges[0].Node.UserContext)

	// Bad context values: BAD_USER_INPUT naming the field, and no run.
	for _, c := range []struct {
		uc    map[string]any
		field string
	}{
		{map[string]any{"locale": "nope-nope-nope"}, "userContext.locale"},
		{map[string]any{"timezone": "Mars/Olympus"}, "userContext.timezone"},
		{map[string]any{"preferences": map[string]any{"theme": "purple"}}, "userContext.preferences.theme"},
		{map[string]any{"preferences": map[string]any{"language": "??"}}, "userContext.preferences.language"},
		{map[string]any{"preferences": "dark"}, "userContext.preferences"},
	} {
		r := b.do(tok, `mutation($g: ID!, $uc: UserContextInput) { executeGraph(graphId: $g, inputs: {x: 1}, userContext: $uc) { id } }`,
			map[string]any{"g": g.ID, "uc": c.uc})
		require.Equal(t, "BAD_USER_INPUT", r.code(), "%v: %+v", c.uc, r.Errors)
		require.Equal(t, c.field, r.Errors[0].Extensions["field"])
	}
	var count struct{ Edges []json.RawMessage }
	b.ok(tok, `{ executions(first: 10) { edges { cursor } } }`, nil, "executions", &count)
	require.Len(t, count.Edges, 3, "the refused runs were not stored")
}
