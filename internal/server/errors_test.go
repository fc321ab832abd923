package server

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// positionPrefix is gqlerror.Error's Error() format ("input:1:12: ..."),
// which once leaked into messages along with the field path.
var positionPrefix = regexp.MustCompile(`^\S*:\d+:\d+:|^input:`)

const unauthenticated = "unauthenticated: send Authorization: Bearer <API key or JWT>"

// Messages carry no position prefix and no path: those have their own
// members (locations, path). Parse, validation and resolver errors, over
// HTTP and websocket alike.
func TestErrorMessagesHaveNoPositionPrefix(t *testing.T) {
	t.Parallel()
	h := testHandler()
	check := func(errs []gqlError, wantMessage, wantCode string) {
		t.Helper()
		require.Len(t, errs, 1)
		require.NotRegexp(t, positionPrefix, errs[0].Message)
		require.NotEmpty(t, errs[0].Locations, "positions belong in locations")
		require.Equal(t, wantCode, errs[0].Extensions["code"])
		if wantMessage != "" {
			require.Equal(t, wantMessage, errs[0].Message)
		}
	}
	cases := []struct{ query, message, code string }{
		{`{ graph(id: }`, "", "GRAPHQL_PARSE_FAILED"},
		{`{ noSuchField }`, `Cannot query field "noSuchField" on type "Query".`, "GRAPHQL_VALIDATION_FAILED"},
		{`{ graph(id: "x") { id } }`, unauthenticated, CodeUnauthenticated},
		{`mutation { executeGraph(graphId: "nope") { id } }`, unauthenticated, CodeUnauthenticated},
	}
	for _, c := range cases {
		_, errs := post(t, h, queryBody(c.query))
		check(errs, c.message, c.code)
	}

	ws := dialWS(t, h)
	for i, c := range cases {
		id := string(rune('a' + i))
		ws.subscribe(id, c.query)
		m := ws.read()
		require.Equal(t, id, m.ID)
		check(gqlErrors(t, m), c.message, c.code)
		if m.Type == "next" {
			require.Equal(t, "complete", ws.read().Type)
		}
	}
}

// Two operations and no operationName: the message says what to send.
func TestMessageWhenOperationNameIsMissing(t *testing.T) {
	t.Parallel()
	_, errs := post(t, testHandler(), queryBody(`query A { __typename } query B { __typename }`))
	require.Len(t, errs, 1)
	require.Equal(t, "GRAPHQL_VALIDATION_FAILED", errs[0].Extensions["code"])
	require.Equal(t, "operationName must name the operation to run: the document does not hold exactly one", errs[0].Message)
}
