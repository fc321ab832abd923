package resolvers_test

import (
	"encoding/json"
	"strings"

	"github.com/stretchr/testify/require"
)

// typeRef is a field's type as introspection tells it.
type typeRef struct {
	Kind   string
	Name   string
	OfType *typeRef
}

// named is the type under the lists and non-nulls.
func (t *typeRef) named() *typeRef {
	for t.OfType != nil {
		t = t.OfType
	}
	return t
}

type schemaField struct {
	Name string
	Args []struct {
		Type         typeRef
		DefaultValue *string
	}
	Type typeRef
}

const introspectTypes = `{ __schema { types { name kind fields {
	name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
	args { defaultValue type { kind name } } } } } }`

// everyField is, for each field of type root, a selection of it with
// every field reachable under it, read from the server's own schema so
// that a field added later is walked too. Within one selection each object
// type is walked whole once (its first place); at its other places only
// its leaf fields are selected, which keeps the selection under the
// server's depth and complexity limits and still selects every field of
// every type somewhere. A field needing an argument without a default is
// left out (none is reachable from a run today).
func (b *bundle) everyField(tok, root string) map[string]string {
	b.t.Helper()
	var s struct {
		Schema struct {
			Types []struct {
				Name, Kind string
				Fields     []schemaField
			}
		} `json:"__schema"`
	}
	r := b.do(tok, introspectTypes, nil)
	require.Empty(b.t, r.Errors)
	raw, _ := json.Marshal(r.Data)
	require.NoError(b.t, json.Unmarshal(raw, &s))
	fields := map[string][]schemaField{}
	for _, t := range s.Schema.Types {
		fields[t.Name] = t.Fields
	}
	usable := func(f schemaField) bool {
		for _, a := range f.Args {
			if a.Type.Kind == "NON_NULL" && a.DefaultValue == nil {
				return false
			}
		}
		return true
	}
	var sel func(f schemaField, seen map[string]bool) string
	sel = func(f schemaField, seen map[string]bool) string {
		n := f.Type.named()
		switch n.Kind {
		case "INTERFACE", "UNION":
			return f.Name + " { __typename }"
		case "OBJECT":
		default:
			return f.Name
		}
		whole := !seen[n.Name]
		seen[n.Name] = true
		parts := []string{"__typename"}
		for _, g := range fields[n.Name] {
			if !usable(g) {
				continue
			}
			if k := g.Type.named().Kind; whole || k == "SCALAR" || k == "ENUM" {
				parts = append(parts, sel(g, seen))
			}
		}
		return f.Name + " { " + strings.Join(parts, " ") + " }"
	}
	out := map[string]string{}
	for _, f := range fields[root] {
		if usable(f) {
			out[f.Name] = sel(f, map[string]bool{root: true})
		}
	}
	return out
}
