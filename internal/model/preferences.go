package model

import (
	"encoding/json"
	"strings"
)

// Theme is the seed's UserPreferences.theme: the colour scheme of the UI.
type Theme string

const (
	ThemeLight  Theme = "LIGHT"
	ThemeDark   Theme = "DARK"
	ThemeSystem Theme = "SYSTEM" // follow the device: the default
)

// parseTheme accepts any case: clients stored "dark" before the theme was typed.
func parseTheme(s string) (Theme, bool) {
	switch t := Theme(strings.ToUpper(s)); t {
	case ThemeLight, ThemeDark, ThemeSystem:
		return t, true
	}
	return "", false
}

// The stored keys of the seed's typed preferences. They are spelled as the
// GraphQL fields, so the object a client sends to updateMe, the typed
// fields and the object a run's blocks see all use the same names.
const (
	PrefTheme                = "theme"
	PrefLanguage             = "language"
	PrefNotificationsEnabled = "notificationsEnabled"
	PrefAutoSaveEnabled      = "autoSaveEnabled"
	PrefDefaultGraphSettings = "defaultGraphSettings"
)

// IsTypedPreference reports whether key is one of the seed's typed preferences.
func IsTypedPreference(key string) bool {
	switch key {
	case PrefTheme, PrefLanguage, PrefNotificationsEnabled, PrefAutoSaveEnabled, PrefDefaultGraphSettings:
		return true
	}
	return false
}

// Preferences is the seed's UserPreferences as a reader sees it: each typed
// preference with its stored value or its default, and every other stored
// key untouched.
type Preferences struct {
	Theme                Theme
	Language             string // canonical BCP 47
	NotificationsEnabled bool
	AutoSaveEnabled      bool
	DefaultGraphSettings map[string]any
	Other                map[string]any
}

// ReadPreferences reads a user's stored preferences object. It never fails:
// preferences stored before they were typed may hold anything, so a typed
// key whose value does not fit reads as its default (the stored value is
// kept in the database, not rewritten), and unknown keys land in Other.
// locale is the user's, the language's default.
func ReadPreferences(stored json.RawMessage, locale string) Preferences {
	return preferencesOf(decodeStored(stored), locale)
}

func preferencesOf(m map[string]any, locale string) Preferences {
	p := Preferences{Theme: ThemeSystem, Language: locale, NotificationsEnabled: true, AutoSaveEnabled: true,
		DefaultGraphSettings: map[string]any{}, Other: map[string]any{}}
	for k, v := range m {
		switch k {
		case PrefTheme:
			if s, ok := v.(string); ok {
				if t, ok := parseTheme(s); ok {
					p.Theme = t
				}
			}
		case PrefLanguage:
			if s, ok := v.(string); ok {
				if c, err := ParseLocale(k, s); err == nil {
					p.Language = c
				}
			}
		case PrefNotificationsEnabled:
			if b, ok := v.(bool); ok {
				p.NotificationsEnabled = b
			}
		case PrefAutoSaveEnabled:
			if b, ok := v.(bool); ok {
				p.AutoSaveEnabled = b
			}
		case PrefDefaultGraphSettings:
			if o, ok := v.(map[string]any); ok {
				p.DefaultGraphSettings = o
			}
		default:
			p.Other[k] = v
		}
	}
	return p
}

// Map is the preferences as the JSON object a run's blocks see: every typed
// key with its value or default, and the other keys as stored.
func (p Preferences) Map() map[string]any {
	out := make(map[string]any, len(p.Other)+5)
	for k, v := range p.Other {
		out[k] = v
	}
	out[PrefTheme] = string(p.Theme)
	out[PrefLanguage] = p.Language
	out[PrefNotificationsEnabled] = p.NotificationsEnabled
	out[PrefAutoSaveEnabled] = p.AutoSaveEnabled
	out[PrefDefaultGraphSettings] = p.DefaultGraphSettings
	return out
}

// RunPreferences is what a run's blocks see: the user's stored preferences
// with the run's own overrides merged over them key by key, exactly as an
// update would merge them (a nil value drops the key, so a typed one reads
// as its default). locale is the run's, the language's default.
func RunPreferences(stored json.RawMessage, locale string, overrides map[string]any) map[string]any {
	m := decodeStored(stored)
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return preferencesOf(m, locale).Map()
}

// decodeStored decodes a stored object, numbers kept exact; anything that
// is not an object reads as no preferences.
func decodeStored(raw json.RawMessage) map[string]any {
	var m map[string]any
	if DecodeExact(raw, &m) != nil || m == nil {
		return map[string]any{}
	}
	return m
}
