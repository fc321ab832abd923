package wstransport_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// BeforeOperation refuses one operation with an "error" message that keeps
// the hook's extensions, sees the context InitFunc made, and leaves the
// connection (and later operations) working, on both protocols.
func TestBeforeOperationRefusesOneOperation(t *testing.T) {
	t.Parallel()
	var calls, withoutUser atomic.Int64
	hook := func(ctx context.Context) *gqlerror.Error {
		if ctx.Value(ctxKey{}) != "alice" {
			withoutUser.Add(1) // checked on the test goroutine
		}
		if calls.Add(1)%2 == 1 {
			return nil // odd calls pass, even ones are refused
		}
		return &gqlerror.Error{Message: "slow down", Extensions: map[string]any{"code": "RATE_LIMITED", "retryAfter": 3}}
	}
	url, _, _ := newServer(t, wstransport.Config{InitFunc: authInit, BeforeOperation: hook})
	refused := func(payload json.RawMessage) {
		t.Helper()
		var errs gqlerror.List
		require.NoError(t, json.Unmarshal(payload, &errs), string(payload))
		require.Len(t, errs, 1)
		require.Equal(t, "slow down", errs[0].Message)
		require.Equal(t, "RATE_LIMITED", errs[0].Extensions["code"])
		require.EqualValues(t, 3, errs[0].Extensions["retryAfter"])
	}

	c := dialTWS(t, url)
	c.subscribe("subscribe", "1", "{ name }")
	c.expect("next", "1")
	c.expect("complete", "1")
	c.subscribe("subscribe", "2", "{ name }")
	refused(c.expect("error", "2").Payload) // graphql-transport-ws: no complete after error
	c.subscribe("subscribe", "3", "{ name }")
	require.JSONEq(t, `{"data":{"name":"test"}}`, string(c.expect("next", "3").Payload))
	c.expect("complete", "3")

	l := dialLegacy(t, url)
	l.subscribe("start", "1", "{ name }")
	refused(l.expect("error", "1").Payload)
	l.expect("complete", "1") // legacy clients expect both
	l.subscribe("start", "2", "{ name }")
	l.expect("data", "2")
	l.expect("complete", "2")
	require.EqualValues(t, 5, calls.Load())
	require.Zero(t, withoutUser.Load(), "the hook sees the context InitFunc made")
}
