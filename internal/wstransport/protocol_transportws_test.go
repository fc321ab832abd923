package wstransport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// TestGqlgenTestServerSubscription drives gqlgen's own test schema:
// subscribe → next… → server complete.
func TestGqlgenTestServerSubscription(t *testing.T) {
	t.Parallel()
	ts := testserver.New()
	ts.AddTransport(wstransport.New(wstransport.Config{}))
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	c := dialTWS(t, "ws"+strings.TrimPrefix(srv.URL, "http"))

	c.subscribe("subscribe", "1", "subscription { name }")
	for range 3 {
		ts.SendNextSubscriptionMessage()
		m := c.expect("next", "1")
		require.JSONEq(t, `{"data":{"name":"test"}}`, string(m.Payload))
	}
	ts.SendCompleteSubscriptionMessage()
	c.expect("complete", "1")

	// Queries and mutations: one next, then complete.
	c.subscribe("subscribe", "2", "query { name }")
	require.JSONEq(t, `{"data":{"name":"test"}}`, string(c.expect("next", "2").Payload))
	c.expect("complete", "2")
	c.subscribe("subscribe", "3", "mutation { name }")
	require.Contains(t, string(c.expect("next", "3").Payload), "mutations are not supported")
	c.expect("complete", "3")
}

func TestInitPayloadReachesResolvers(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitFunc: authInit})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "q", "{ whoami }")
	require.JSONEq(t, `{"data":{"whoami":"alice/secret"}}`, string(c.expect("next", "q").Payload))
	c.expect("complete", "q")
}

func TestValidationErrorIsErrorMessageWithoutComplete(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "bad", "{ nope }")
	m := c.expect("error", "bad")
	var errs []map[string]any
	require.NoError(t, json.Unmarshal(m.Payload, &errs))
	require.Len(t, errs, 1)
	require.Contains(t, errs[0]["message"], "nope")
	// The spec forbids complete after error: the next message is our pong.
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")
}

func TestPanicUsesRecoverFuncAndErrorPresenter(t *testing.T) {
	t.Parallel()
	url, _, h := newServer(t, wstransport.Config{})
	h.SetRecoverFunc(func(_ context.Context, err any) error {
		return gqlerror.Errorf("recovered: %v", err)
	})
	h.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		e := graphql.DefaultErrorPresenter(ctx, err)
		e.Extensions = map[string]any{"presented": true}
		return e
	})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "p", "{ panic }")
	m := c.expect("error", "p")
	require.JSONEq(t, `[{"message":"recovered: boom","extensions":{"presented":true}}]`, string(m.Payload))
	c.send(`{"type":"ping"}`)
	c.expect("pong", "") // no complete after error
}

func TestPingPong(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{})
	c := dial(t, url, "graphql-transport-ws")
	// Pings are answered before connection_init too, echoing the payload.
	c.send(`{"type":"ping","payload":{"n":1}}`)
	require.JSONEq(t, `{"n":1}`, string(c.expect("pong", "").Payload))
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack", "")
	c.send(`{"type":"ping"}`)
	m := c.expect("pong", "")
	require.Empty(t, m.Payload)
	c.send(`{"type":"pong"}`) // unsolicited pong is allowed and ignored
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")
}

func TestServerPingsAndDropsSilentClients(t *testing.T) {
	t.Parallel()
	// Generous interval: an answering client must never lose the race
	// against the next tick, even on a loaded CI machine.
	url, _, _ := newServer(t, wstransport.Config{KeepAlive: 250 * time.Millisecond})

	alive := dialTWS(t, url)
	for range 3 {
		alive.expect("ping", "")
		alive.send(`{"type":"pong"}`)
	}

	silent := dialTWS(t, url)
	silent.expect("ping", "")
	// No pong within an interval: closed as gone away.
	silent.expectClose(wstransport.CloseGoingAway, "keep-alive timeout")
}

func TestClientCompleteStopsResolver(t *testing.T) {
	t.Parallel()
	url, b, _ := newServer(t, wstransport.Config{})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "s", "subscription { events }")
	sub := b.waitJoined(t)
	b.publish(t, "one", waitTimeout)
	require.JSONEq(t, `{"data":{"events":"one"}}`, string(c.expect("next", "s").Payload))

	c.send(`{"type":"complete","id":"s"}`)
	select {
	case <-sub.ctx.Done():
	case <-time.After(waitTimeout):
		t.Fatal("resolver context not cancelled by client complete")
	}
	// Nothing more for "s" (not even complete); the id is free again.
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")
	c.subscribe("subscribe", "s", "subscription { events }")
	b.waitJoined(t)
	b.publish(t, "two", waitTimeout)
	require.JSONEq(t, `{"data":{"events":"two"}}`, string(c.expect("next", "s").Payload))
	c.send(`{"type":"complete","id":"unknown"}`) // ignored
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitFunc: authInit, MaxMessageBytes: 1024})
	initOK := `{"type":"connection_init","payload":{"token":"secret"}}`
	cases := []struct {
		name   string
		msgs   []string
		code   int
		reason string
	}{
		{"invalid json", []string{`{"type":`}, 4400, "Invalid message received"},
		{"not an object", []string{`[1]`}, 4400, "Invalid message received"},
		{"missing type", []string{`{"id":"1"}`}, 4400, `Unexpected message of type "" received`},
		{"unknown type", []string{`{"type":"start"}`}, 4400, `Unexpected message of type "start" received`},
		{"server-only type", []string{initOK, `{"type":"next","id":"1","payload":{}}`}, 4400, ""},
		{"subscribe without id", []string{initOK, `{"type":"subscribe","payload":{"query":"{name}"}}`}, 4400, ""},
		{"subscribe without payload", []string{initOK, `{"type":"subscribe","id":"1"}`}, 4400, ""},
		{"subscribe without query", []string{initOK, `{"type":"subscribe","id":"1","payload":{}}`}, 4400, ""},
		{"complete without id", []string{initOK, `{"type":"complete"}`}, 4400, ""},
		{"init payload not object", []string{`{"type":"connection_init","payload":"x"}`}, 4400, ""},
		{"subscribe before ack", []string{`{"type":"subscribe","id":"1","payload":{"query":"{name}"}}`}, 4401, "Unauthorized"},
		{"init rejected", []string{`{"type":"connection_init","payload":{"token":"nope"}}`}, 4403, "Forbidden"},
		{"second init", []string{initOK, initOK}, 4429, "Too many initialisation requests"},
		{"duplicate id", []string{
			initOK,
			`{"type":"subscribe","id":"dup","payload":{"query":"subscription { events }"}}`,
			`{"type":"subscribe","id":"dup","payload":{"query":"subscription { events }"}}`,
		}, 4409, "Subscriber for dup already exists"},
		{"message too big", []string{`{"type":"ping","payload":{"x":"` + strings.Repeat("x", 2048) + `"}}`}, 1009, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, url, "graphql-transport-ws")
			for _, m := range tc.msgs {
				c.send(m)
			}
			c.expectClose(tc.code, tc.reason)
		})
	}
}

func TestInitFuncPanicClosesConnectionOnly(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitFunc: func(context.Context, map[string]any) (context.Context, error) {
		panic("init exploded")
	}})
	c := dial(t, url, "graphql-transport-ws")
	c.send(`{"type":"connection_init"}`)
	c.expectClose(wstransport.CloseInternalServerError, "Internal server error")
}

func TestInitTimeout(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitTimeout: 100 * time.Millisecond})
	c := dial(t, url, "graphql-transport-ws")
	c.send(`{"type":"ping"}`) // answered, but does not count as initialisation
	c.expectClose(wstransport.CloseInitTimeout, "Connection initialisation timeout")
}

func TestSubprotocolNotAcceptable(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{})
	for _, protos := range [][]string{nil, {"graphql-sse"}} {
		c := dial(t, url, protos...)
		require.Empty(t, c.ws.Subprotocol())
		c.expectClose(wstransport.CloseSubprotocolNotAcceptable, "Subprotocol not acceptable")
	}
	// The maintained protocol wins when a client offers both.
	c := dial(t, url, "graphql-ws", "graphql-transport-ws")
	require.Equal(t, "graphql-transport-ws", c.ws.Subprotocol())
}

// An InitFunc that could not decide (ErrTryAgainLater: the server's store
// failed, not the client's credential) closes with 1013 Try Again Later,
// which clients retry, not 4403, which tells them the credential was
// refused; legacy clients get a connection_error that names no internal
// detail first. Was: every InitFunc error closed with 4403.
func TestInitFuncTryAgainLaterIsNotForbidden(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitFunc: func(context.Context, map[string]any) (context.Context, error) {
		return nil, fmt.Errorf("%w: reading the key: connection refused", wstransport.ErrTryAgainLater)
	}})
	c := dial(t, url, "graphql-transport-ws")
	c.send(`{"type":"connection_init","payload":{"token":"alice"}}`)
	c.expectClose(wstransport.CloseTryAgainLater, "Try again later")

	c = dial(t, url, "graphql-ws")
	c.send(`{"type":"connection_init","payload":{"token":"alice"}}`)
	require.JSONEq(t, `{"message":"Try again later"}`, string(c.expect("connection_error", "").Payload))
	c.expectClose(wstransport.CloseTryAgainLater, "Try again later")
}
