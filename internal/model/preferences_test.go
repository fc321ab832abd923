package model_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

func TestParseLocale(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"en-US": "en-US", "en_us": "en-US", "FR": "fr", "zh-Hant-TW": "zh-Hant-TW",
		"fr-CA-u-ca-gregory": "fr-CA-u-ca-gregory"} {
		got, err := model.ParseLocale("locale", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	var ie *model.InputError
	for _, bad := range []string{"", "english", "xx-YY", "123", "und", "x-private", "en\x00", strings.Repeat("a", 36),
		"en-US-" + strings.Repeat("x", 40)} {
		_, err := model.ParseLocale("userContext.locale", bad)
		require.ErrorAs(t, err, &ie, "%q", bad)
		require.Equal(t, "userContext.locale", ie.Field)
	}
}

func TestCheckTimezone(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		require.NoError(t, model.CheckTimezone("timezone", ok), ok)
	}
	var ie *model.InputError
	for _, bad := range []string{"", "Local", "Mars/Olympus", "europe/paris", "../../etc/passwd", "UTC\x00",
		strings.Repeat("A", 65)} {
		err := model.CheckTimezone("timezone", bad)
		require.ErrorAs(t, err, &ie, "%q", bad)
		require.Equal(t, "timezone", ie.Field)
	}
}

func TestReadPreferencesDefaultsAndLegacyData(t *testing.T) {
	t.Parallel()
	p := model.ReadPreferences(json.RawMessage(`{}`), "de-DE")
	require.Equal(t, model.Preferences{Theme: model.ThemeSystem, Language: "de-DE", NotificationsEnabled: true,
		AutoSaveEnabled: true, DefaultGraphSettings: map[string]any{}, Other: map[string]any{}}, p)

	// Stored before the keys were typed: a lower-case theme is read, a value
	// of the wrong type reads as the default, unknown keys are kept as is.
	p = model.ReadPreferences(json.RawMessage(`{"theme":"dark","language":42,"notificationsEnabled":"no",
		"autoSaveEnabled":false,"defaultGraphSettings":[1],"fontSize":14,"sidebar":{"open":true}}`), "en-US")
	require.Equal(t, model.ThemeDark, p.Theme)
	require.Equal(t, "en-US", p.Language)
	require.True(t, p.NotificationsEnabled)
	require.False(t, p.AutoSaveEnabled)
	require.Equal(t, map[string]any{}, p.DefaultGraphSettings)
	require.Equal(t, map[string]any{"fontSize": json.Number("14"), "sidebar": map[string]any{"open": true}}, p.Other)

	// Whatever the column holds, reading never fails.
	require.Equal(t, model.ThemeSystem, model.ReadPreferences(json.RawMessage(`[1,2]`), "en-US").Theme)
	require.Equal(t, model.ThemeSystem, model.ReadPreferences(nil, "en-US").Theme)
}

func TestParsePreferencesPatch(t *testing.T) {
	t.Parallel()
	p, err := model.ParsePreferencesPatch("preferences", []byte(`{"theme":"light","language":"pt_br",
		"notificationsEnabled":false,"defaultGraphSettings":{"grid":8},"fontSize":14,"old":null}`))
	require.NoError(t, err)
	set, remove := p.Split()
	require.JSONEq(t, `{"theme":"LIGHT","language":"pt-BR","notificationsEnabled":false,
		"defaultGraphSettings":{"grid":8},"fontSize":14}`, string(set), "values in their stored form")
	require.Equal(t, []string{"old"}, remove)
	require.Equal(t, map[string]any{"theme": "LIGHT", "language": "pt-BR", "notificationsEnabled": false,
		"defaultGraphSettings": map[string]any{"grid": json.Number("8")}, "fontSize": json.Number("14"), "old": nil},
		p.Overrides())

	_, err = model.ParsePreferencesPatch("preferences", []byte(`{"deep":`+strings.Repeat("[", 32)+strings.Repeat("]", 32)+`}`))
	require.NoError(t, err, "32 levels are allowed")

	var ie *model.InputError
	for raw, field := range map[string]string{
		`[1]`:                                       "preferences",
		`"dark"`:                                    "preferences",
		`{"theme":"purple"}`:                        "preferences.theme",
		`{"theme":1}`:                               "preferences.theme",
		`{"language":"not a tag"}`:                  "preferences.language",
		`{"language":true}`:                         "preferences.language",
		`{"autoSaveEnabled":"yes"}`:                 "preferences.autoSaveEnabled",
		`{"notificationsEnabled":0}`:                "preferences.notificationsEnabled",
		`{"defaultGraphSettings":"x"}`:              "preferences.defaultGraphSettings",
		`{"defaultGraphSettings":{"a":"\u0000"}}`:   "preferences.defaultGraphSettings.a",
		`{"note":"a\u0000b"}`:                       "preferences.note",
		`{"list":[1,{"k\u0000":1}]}`:                "preferences.list[1]",
		`{"big":1e400}`:                             "preferences.big",
		`{"long":1` + strings.Repeat("0", 70) + `}`: "preferences.long",
		`{"deep":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`: "preferences.deep" + strings.Repeat("[0]", 32),
		`{"huge":"` + strings.Repeat("x", model.MaxPreferencesPatch) + `"}`:  "preferences",
	} {
		_, err := model.ParsePreferencesPatch("preferences", []byte(raw))
		require.ErrorAs(t, err, &ie, "%.60s", raw)
		require.Equal(t, field, ie.Field, "%.60s", raw)
	}
}

func TestPutOtherRefusesTypedKeys(t *testing.T) {
	t.Parallel()
	p := model.NewPreferencesPatch()
	var ie *model.InputError
	require.ErrorAs(t, p.PutOther("other", []byte(`{"theme":"DARK"}`)), &ie)
	require.Equal(t, "other.theme", ie.Field)
	require.NoError(t, p.PutOther("other", []byte(`{"fontSize":12,"gone":null}`)))
	require.NoError(t, p.Put("", model.PrefTheme, "DARK"))
	require.ErrorAs(t, p.PutJSON("", model.PrefDefaultGraphSettings, []byte(`[1]`)), &ie)
	require.Equal(t, "defaultGraphSettings", ie.Field)
	set, remove := p.Split()
	require.JSONEq(t, `{"fontSize":12,"theme":"DARK"}`, string(set))
	require.Equal(t, []string{"gone"}, remove)
}

func TestRunPreferencesMergesOverStored(t *testing.T) {
	t.Parallel()
	stored := json.RawMessage(`{"theme":"DARK","fontSize":14,"sidebar":"left"}`)
	require.Equal(t, map[string]any{"theme": "DARK", "language": "fr-FR", "notificationsEnabled": true,
		"autoSaveEnabled": true, "defaultGraphSettings": map[string]any{}, "fontSize": json.Number("14"), "sidebar": "left"},
		model.RunPreferences(stored, "fr-FR", nil), "no overrides: the stored ones, typed keys filled")

	p, err := model.ParsePreferencesPatch("userContext.preferences", []byte(`{"fontSize":20,"sidebar":null,"theme":null,"autoSaveEnabled":false}`))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"theme": "SYSTEM", "language": "fr-FR", "notificationsEnabled": true,
		"autoSaveEnabled": false, "defaultGraphSettings": map[string]any{}, "fontSize": json.Number("20")},
		model.RunPreferences(stored, "fr-FR", p.Overrides()), "overrides merge key by key; null drops a key")
}
