package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

type argResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Locations  []any          `json:"locations"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func postSignedIn(t *testing.T, query string) (int, argResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", mediaGraphQLResponse)
	u := &model.User{ID: uuid.New(), Role: model.RoleUser, IsActive: true}
	req = req.WithContext(auth.WithUser(req.Context(), u, nil))
	rec := httptest.NewRecorder()
	testHandler().ServeHTTP(rec, req)
	var out argResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "body: %s", rec.Body)
	return rec.Code, out
}

// A value an argument's scalar refuses is BAD_USER_INPUT naming the
// argument's path in extensions.field, with the error's path on the field
// (a path in the response, alias included), as any field error.
func TestArgumentErrorsNameTheArgument(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ query, field, path, message string }{
		{`{ block(id: "a\u0000b") { id } }`, "id", "block",
			`id: contains a NUL character (\u0000), which text cannot hold`},
		{`{ b: block(id: "a\u0000b") { id } }`, "id", "b", ""},
		{`{ validateGraph(input: {name: "x", nodes: [{key: "a", blockId: "b"}, {key: "c\u0000", blockId: "b"}], links: []}) { code } }`,
			"input.nodes[1].key", "validateGraph", ""},
		{`{ validateGraph(input: {name: "x", nodes: [{key: "a", blockId: "b", inputDefault: {p: [1, {q: "\u0000"}]}}], links: []}) { code } }`,
			"input.nodes[0].inputDefault", "validateGraph",
			`input.nodes[0].inputDefault: at p[1].q: a string contains a NUL character (\u0000), which text cannot hold`},
		{`{ graph(id: "7b7b7b7b-0000-4000-8000-000000000000", version: 2147483648) { id } }`, "version", "graph",
			"version: must be an integer from -2147483648 to 2147483647 (GraphQL's Int is 32-bit)"},
	} {
		status, r := postSignedIn(t, c.query)
		require.Equal(t, http.StatusOK, status, c.query)
		require.Len(t, r.Errors, 1, c.query)
		e := r.Errors[0]
		require.Equal(t, CodeBadUserInput, e.Extensions["code"], c.query)
		require.Equal(t, c.field, e.Extensions["field"], c.query)
		require.Equal(t, []any{c.path}, e.Path, c.query)
		require.Len(t, e.Locations, 1, c.query)
		if c.message != "" {
			require.Equal(t, c.message, e.Message)
		}
	}
}

// A number literal inside a JSON argument that no 64-bit type holds would
// panic in gqlgen's argument reader; it is a request error instead, naming
// where it is. (Inside an input object, GraphQL validation refuses it.)
func TestUnreadableNumberLiteralsAreRefused(t *testing.T) {
	t.Parallel()
	const run = `executeGraph(graphId: "7b7b7b7b-0000-4000-8000-000000000000", `
	for _, c := range []struct{ query, field string }{
		{`mutation { ` + run + `inputs: {a: 1e400}) { id } }`, "inputs.a"},
		{`mutation { ...F } fragment F on Mutation { ` + run + `inputs: {a: [0, 99999999999999999999]}) { id } }`, "inputs.a[1]"},
	} {
		status, r := postSignedIn(t, c.query)
		require.Equal(t, http.StatusBadRequest, status, "a request error: nothing ran")
		require.Nil(t, r.Data)
		require.Len(t, r.Errors, 1)
		require.Equal(t, CodeBadUserInput, r.Errors[0].Extensions["code"])
		require.Equal(t, c.field, r.Errors[0].Extensions["field"])
		require.Len(t, r.Errors[0].Locations, 1)
	}
}
