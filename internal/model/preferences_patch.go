package model

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Bounds of preferences. A change is merged into what is stored, so the
// stored object has its own bound, or repeated changes could grow it
// without end; it is checked by the statement that merges.
const (
	MaxPreferencesPatch = 16 << 10 // bytes of JSON in one change
	MaxPreferences      = 64 << 10 // bytes of the stored object's JSON text
	maxPreferenceDepth  = 32       // nesting of objects and arrays in one value
	maxNumberLen        = 64       // characters of one JSON number
)

// PreferencesPatch is a checked change of preferences (the seed's
// update_preference, for several keys at once): keys to set and keys to
// remove. It is built only by ParsePreferencesPatch and Put, so every value
// in it has been checked and is in its stored form.
type PreferencesPatch struct {
	set    map[string]any
	remove []string
}

// NewPreferencesPatch is an empty change.
func NewPreferencesPatch() *PreferencesPatch {
	return &PreferencesPatch{set: map[string]any{}}
}

// ParsePreferencesPatch decodes and checks a JSON object of preference key →
// value, as updateMe and a run's userContext take it. field names the
// object in errors ("preferences.theme").
func ParsePreferencesPatch(field string, raw []byte) (*PreferencesPatch, error) {
	m, err := decodePatchObject(field, raw)
	if err != nil {
		return nil, err
	}
	p := NewPreferencesPatch()
	for _, k := range sortedKeys(m) { // the first bad key in a stable order
		if err := p.Put(field, k, m[k]); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// PutOther decodes and adds the object of untyped keys that
// updatePreferences takes beside its typed fields. A typed key is refused
// there, so one change cannot say two things about it.
func (p *PreferencesPatch) PutOther(field string, raw []byte) error {
	m, err := decodePatchObject(field, raw)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(m) {
		if IsTypedPreference(k) {
			return Invalid(field+"."+k, "%s is a typed preference: set it with its own field", k)
		}
		if err := p.Put(field, k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// Put checks one key and its value and adds it to the change; a nil value
// removes the key. A theme is stored upper-cased and a language in
// canonical form. field is the path of the object holding key ("" at the
// top), for error messages.
func (p *PreferencesPatch) Put(field, key string, v any) error {
	f := key
	if field != "" {
		f = field + "." + key
	}
	if strings.ContainsRune(key, 0) {
		return Invalid(field, "a key must not contain the NUL character (\\u0000)")
	}
	if v == nil {
		delete(p.set, key)
		p.remove = append(p.remove, key)
		return nil
	}
	switch key {
	case PrefTheme:
		s, _ := v.(string)
		t, ok := parseTheme(s)
		if !ok {
			return Invalid(f, "must be one of LIGHT, DARK, SYSTEM")
		}
		v = string(t)
	case PrefLanguage:
		s, ok := v.(string)
		if !ok {
			return Invalid(f, "must be a BCP 47 language tag such as en-US")
		}
		c, err := ParseLocale(f, s)
		if err != nil {
			return err
		}
		v = c
	case PrefNotificationsEnabled, PrefAutoSaveEnabled:
		if _, ok := v.(bool); !ok {
			return Invalid(f, "must be true or false")
		}
	case PrefDefaultGraphSettings:
		if _, ok := v.(map[string]any); !ok {
			return Invalid(f, "must be a JSON object")
		}
		fallthrough
	default:
		if err := checkStorableJSON(f, v, 0); err != nil {
			return err
		}
	}
	p.set[key] = v
	return nil
}

// PutJSON decodes one JSON value (numbers kept exact) and adds it as Put
// does; updatePreferences takes defaultGraphSettings this way.
func (p *PreferencesPatch) PutJSON(field, key string, raw []byte) error {
	f := key
	if field != "" {
		f = field + "." + key
	}
	if len(raw) > MaxPreferencesPatch {
		return Invalid(f, "at most %d bytes of JSON in one change", MaxPreferencesPatch)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return Invalid(f, "must be JSON")
	}
	return p.Put(field, key, v)
}

// Overrides is the change as one map, a removed key mapping to nil: the
// form a run's UserContext carries to RunPreferences.
func (p *PreferencesPatch) Overrides() map[string]any {
	out := make(map[string]any, len(p.set)+len(p.remove))
	for _, k := range p.remove {
		out[k] = nil
	}
	for k, v := range p.set {
		out[k] = v
	}
	return out
}

// Split is the change as the merging statement takes it: the object to
// merge over the stored one (never null) and the keys to drop first. A key
// both removed and set (the later Put wins) is only set.
func (p *PreferencesPatch) Split() (set json.RawMessage, remove []string) {
	set, err := json.Marshal(p.set)
	if err != nil { // only checked values are in set: cannot happen
		panic(err)
	}
	remove = []string{}
	for _, k := range p.remove {
		if _, ok := p.set[k]; !ok {
			remove = append(remove, k)
		}
	}
	return set, remove
}

func decodePatchObject(field string, raw []byte) (map[string]any, error) {
	if len(raw) > MaxPreferencesPatch {
		return nil, Invalid(field, "at most %d bytes of JSON in one change", MaxPreferencesPatch)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, Invalid(field, "must be a JSON object")
	}
	return m, nil
}

// checkStorableJSON refuses what PostgreSQL's jsonb cannot store or what
// would only serve to exhaust it: the NUL character (jsonb refuses \u0000),
// numbers beyond float64's range or too long to be meant, deep nesting.
// Lone surrogates never get here: encoding/json has already replaced them.
func checkStorableJSON(field string, v any, depth int) error {
	switch v.(type) {
	case map[string]any, []any:
		if depth >= maxPreferenceDepth { // this object or array would be one level too many
			return Invalid(field, "nested more than %d levels deep", maxPreferenceDepth)
		}
	}
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return Invalid(field, "must not contain the NUL character (\\u0000)")
		}
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil || math.IsInf(f, 0) || len(x) > maxNumberLen {
			return Invalid(field, "a number must be finite as a 64-bit float and at most %d characters long", maxNumberLen)
		}
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return Invalid(field, "the number is out of range")
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if strings.ContainsRune(k, 0) {
				return Invalid(field, "a key must not contain the NUL character (\\u0000)")
			}
			if err := checkStorableJSON(field+"."+k, x[k], depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkStorableJSON(field+"["+strconv.Itoa(i)+"]", e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
