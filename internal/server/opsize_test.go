package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/resolvers"
)

// repeat joins n copies of format (with %d replaced by the index, if any).
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		if strings.Contains(format, "%d") {
			fmt.Fprintf(&b, format, i)
		} else {
			b.WriteString(format)
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// requireTooLarge checks a refusal before execution: BAD_USER_INPUT naming
// the limit, and no data.
func requireTooLarge(t *testing.T, rec interface{ Body() string }, errs []gqlError, limit string, max int) {
	t.Helper()
	require.Len(t, errs, 1, rec.Body())
	require.Equal(t, CodeBadUserInput, errs[0].Extensions["code"])
	require.Equal(t, limit, errs[0].Extensions["limit"])
	require.EqualValues(t, max, errs[0].Extensions["max"])
	require.Contains(t, errs[0].Message, fmt.Sprintf("more than %d %s", max, limit))
	require.NotContains(t, rec.Body(), `"data"`)
}

type bodyOf struct{ s string }

func (b bodyOf) Body() string { return b.s }

// Today's reproduction: 10,000 aliases were answered (0.4s of CPU, 159 KB).
// They are refused before validation and execution; the time is logged, not
// asserted tightly (the machine is shared), within a generous bound.
func TestTenThousandAliasesRefusedFast(t *testing.T) {
	t.Parallel()
	h := testHandler()
	body := queryBody("{ " + repeat(10_000, "a%d: __typename") + "}")
	_, errs := post(t, h, queryBody("{ __typename }")) // warm up: time the refusal, not the first request
	require.Empty(t, errs)
	start := time.Now()
	rec, errs := post(t, h, body)
	took := time.Since(start)
	t.Logf("10,000 aliases (%d bytes) refused in %v", len(body), took)
	require.Equal(t, http.StatusOK, rec.Code)
	requireTooLarge(t, bodyOf{rec.Body.String()}, errs, "aliases", DefaultMaxAliases)
	require.Less(t, took, time.Second)

	// The same under application/graphql-response+json: a request error, 400.
	rec, errs = post(t, h, body, "Accept", mediaGraphQLResponse)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	requireTooLarge(t, bodyOf{rec.Body.String()}, errs, "aliases", DefaultMaxAliases)
}

func TestOperationSizeLimits(t *testing.T) {
	t.Parallel()
	h := testHandler()
	ok := func(q string) {
		t.Helper()
		rec, errs := post(t, h, queryBody(q))
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, errs, rec.Body.String())
		require.Contains(t, rec.Body.String(), `"data"`)
	}
	refused := func(q, limit string) {
		t.Helper()
		start := time.Now()
		rec, errs := post(t, h, queryBody(q))
		t.Logf("refused (%s) in %v", limit, time.Since(start))
		requireTooLarge(t, bodyOf{rec.Body.String()}, errs, limit, 1000)
	}

	// Exactly at the limits, and one past them.
	ok("{ " + repeat(1000, "__typename") + "}")
	refused("{ "+repeat(1001, "__typename")+"}", "fields")
	ok("{ " + repeat(1000, "a%d: __typename") + "}")
	refused("{ "+repeat(1001, "a: __typename")+"}", "aliases")
	// Nested fields count: 500 × (me + id) = 1,000; one more is over.
	refused("{ __typename "+repeat(500, "me { id }")+"}", "fields")

	// Fragment spreads are expanded: 11 spreads of 100 fields.
	frag := "fragment F on Query { " + repeat(100, "__typename") + "}"
	ok("{ " + repeat(10, "...F") + "} " + frag)
	refused("{ "+repeat(11, "...F")+"} "+frag, "fields")
	// ... also inside inline fragments and nested fragments.
	refused("{ ... on Query { ...G ...G } } fragment G on Query { ...F ...F ...F ...F ...F ...F } "+frag, "fields")

	// Expansion can be exponential: 2^40 fields in a few hundred bytes.
	var exp strings.Builder
	exp.WriteString("{ ...F0 } ")
	for i := range 40 {
		fmt.Fprintf(&exp, "fragment F%d on Query { ...F%d ...F%d } ", i, i+1, i+1)
	}
	exp.WriteString("fragment F40 on Query { __typename }")
	refused(exp.String(), "fields")

	// A fragment no operation uses still counts: validation would walk it.
	refused("{ __typename } fragment Unused on Query { "+repeat(1001, "__typename")+"}", "fields")

	// Every operation of the document counts, not only the one to run.
	refused("query A { "+repeat(600, "__typename")+"} query B { "+repeat(600, "__typename")+"}", "fields")

	// A fragment cycle is refused by validation, and counting it ends.
	rec, errs := post(t, h, queryBody("{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }"))
	require.Len(t, errs, 1, rec.Body.String())
	require.Equal(t, "GRAPHQL_VALIDATION_FAILED", errs[0].Extensions["code"])

	// The standard introspection query (graphql-js, every option on) passes.
	ok(introspectionQuery)
}

func TestOperationSizeLimitsAreConfigurable(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{
		Resolver:   &resolvers.Resolver{Store: db.New(nil)},
		Auth:       &auth.Authenticator{},
		Logger:     slog.New(slog.DiscardHandler),
		Ready:      func(context.Context) error { return nil },
		MaxAliases: 10, MaxFields: 20,
	})
	_, errs := post(t, h, queryBody("{ "+repeat(10, "a%d: __typename")+"}"))
	require.Empty(t, errs)
	rec, errs := post(t, h, queryBody("{ "+repeat(11, "a%d: __typename")+"}"))
	requireTooLarge(t, bodyOf{rec.Body.String()}, errs, "aliases", 10)
	rec, errs = post(t, h, queryBody("{ "+repeat(21, "__typename")+"}"))
	requireTooLarge(t, bodyOf{rec.Body.String()}, errs, "fields", 20)
}

// Websocket operations go through the same executor, so the same limit.
func TestOperationSizeLimitOverWebsocket(t *testing.T) {
	t.Parallel()
	c := dialWS(t, testHandler())
	// Small enough for a websocket message, large once expanded.
	c.subscribe("1", "{ "+repeat(20, "...F")+"} fragment F on Query { "+repeat(100, "__typename")+"}")
	// Like the depth and complexity limits (errors that are not GraphQL
	// parse or validation failures), the refusal is a result with errors
	// and no data, then complete.
	m := c.read()
	require.Equal(t, "next", m.Type, string(m.Payload))
	require.Equal(t, "1", m.ID)
	errs := gqlErrors(t, m)
	require.Len(t, errs, 1)
	require.Equal(t, CodeBadUserInput, errs[0].Extensions["code"])
	require.Equal(t, "fields", errs[0].Extensions["limit"])
	require.Contains(t, string(m.Payload), `"data":null`)
	require.Equal(t, "complete", c.read().Type)

	c.subscribe("2", "{ __typename }") // the connection is still fine
	require.Equal(t, "next", c.read().Type)
}

func TestCountSelections(t *testing.T) {
	t.Parallel()
	count := func(q string) selections {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		require.NoError(t, err)
		return countSelections(doc, 1000, 1000)
	}
	require.Equal(t, selections{fields: 3, aliases: 1}, count("{ me { x: id } __typename }"))
	// A used fragment counts once per spread, not once more as written.
	require.Equal(t, selections{fields: 5, aliases: 4}, count("{ ...F ...F __typename } fragment F on Query { a: me { b: id } }"))
	// Saturates just past the limit.
	require.Equal(t, selections{fields: 1001}, count("{ ...F0 } fragment F0 on Query { "+repeat(2000, "__typename")+"}"))
}

// introspectionQuery is graphql-js' getIntrospectionQuery with every option
// on, as graphql-codegen and GraphiQL send it.
const introspectionQuery = `
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`
