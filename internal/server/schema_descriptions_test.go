package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// descriptionsQuery asks for every description a client can see: the
// schema's, and those of every type, field, argument, input field, enum
// value and directive (deprecated ones included).
const descriptionsQuery = `{
  __schema {
    description
    types {
      kind name description
      fields(includeDeprecated: true) { name description args(includeDeprecated: true) { name description } }
      inputFields(includeDeprecated: true) { name description }
      enumValues(includeDeprecated: true) { name description }
    }
    directives { name description args(includeDeprecated: true) { name description } }
  }
}`

type describedValue struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

type describedField struct {
	describedValue
	Args []describedValue `json:"args"`
}

// Third parties learn the API from introspection alone (DESIGN.md), so every
// element they can see must say what it is. The check runs the real
// introspection query against the real handler: it sees exactly what a
// client sees. Only the spec's own __ types are skipped; the built-in
// scalars and directives are checked too (gqlparser describes them).
func TestSchemaIsFullyDescribed(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(map[string]string{"query": descriptionsQuery})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	testHandler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	var resp struct {
		Data struct {
			Schema struct {
				Description *string `json:"description"`
				Types       []struct {
					Kind        string           `json:"kind"`
					Name        string           `json:"name"`
					Description *string          `json:"description"`
					Fields      []describedField `json:"fields"`
					InputFields []describedValue `json:"inputFields"`
					EnumValues  []describedValue `json:"enumValues"`
				} `json:"types"`
				Directives []describedField `json:"directives"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), rec.Body.String())
	require.Empty(t, resp.Errors)
	s := resp.Data.Schema
	require.NotEmpty(t, s.Types, "introspection returned no types")

	var missing []string
	check := func(what string, desc *string) {
		if desc == nil || strings.TrimSpace(*desc) == "" {
			missing = append(missing, what)
		}
	}
	check("schema", s.Description)
	counted := 0
	for _, typ := range s.Types {
		if strings.HasPrefix(typ.Name, "__") {
			continue
		}
		counted++
		check(strings.ToLower(typ.Kind)+" "+typ.Name, typ.Description)
		for _, f := range typ.Fields {
			check("field "+typ.Name+"."+f.Name, f.Description)
			for _, a := range f.Args {
				check("argument "+typ.Name+"."+f.Name+"("+a.Name+")", a.Description)
			}
		}
		for _, f := range typ.InputFields {
			check("input field "+typ.Name+"."+f.Name, f.Description)
		}
		for _, v := range typ.EnumValues {
			check("enum value "+typ.Name+"."+v.Name, v.Description)
		}
	}
	for _, d := range s.Directives {
		check("directive @"+d.Name, d.Description)
		for _, a := range d.Args {
			check("argument @"+d.Name+"("+a.Name+")", a.Description)
		}
	}
	// A schema without Query/Mutation in the answer would pass vacuously.
	require.Greater(t, counted, 50, "introspection returned too few types to be this schema")
	if len(missing) > 0 {
		t.Fatalf("%d schema elements have no description:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
