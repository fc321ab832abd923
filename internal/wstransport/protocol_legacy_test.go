package wstransport_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

func dialLegacy(t *testing.T, url string) *client {
	t.Helper()
	c := dial(t, url, "graphql-ws")
	require.Equal(t, "graphql-ws", c.ws.Subprotocol())
	c.send(`{"type":"connection_init","payload":{"token":"secret"}}`)
	c.expect("connection_ack", "")
	c.expect("ka", "")
	return c
}

func TestLegacyStartDataStop(t *testing.T) {
	t.Parallel()
	url, b, _ := newServer(t, wstransport.Config{InitFunc: authInit})
	c := dialLegacy(t, url)

	c.subscribe("start", "1", "subscription { events }")
	sub := b.waitJoined(t)
	b.publish(t, "hello", waitTimeout)
	require.JSONEq(t, `{"data":{"events":"hello"}}`, string(c.expect("data", "1").Payload))

	c.send(`{"type":"stop","id":"1"}`)
	select {
	case <-sub.ctx.Done():
	case <-time.After(waitTimeout):
		t.Fatal("stop did not cancel the resolver")
	}

	// Queries: data then complete; validation errors: error then complete
	// (what apollo clients and gqlgen's transport expect).
	c.subscribe("start", "2", "{ whoami }")
	require.JSONEq(t, `{"data":{"whoami":"alice/secret"}}`, string(c.expect("data", "2").Payload))
	c.expect("complete", "2")
	c.subscribe("start", "3", "{ nope }")
	c.expect("error", "3")
	c.expect("complete", "3")

	c.send(`{"type":"connection_terminate"}`)
	c.expectClose(wstransport.CloseNormal, "terminated")
}

func TestLegacyKeepAlive(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{KeepAlive: 20 * time.Millisecond})
	c := dialLegacy(t, url)
	// Legacy clients never answer ka, and must not be dropped for it.
	for range 5 {
		c.expect("ka", "")
	}
}

func TestLegacyConnectionError(t *testing.T) {
	t.Parallel()
	url, _, _ := newServer(t, wstransport.Config{InitFunc: authInit})

	c := dial(t, url, "graphql-ws")
	c.send(`{"type":"connection_init","payload":{"token":"wrong"}}`)
	require.JSONEq(t, `{"message":"bad token"}`, string(c.expect("connection_error", "").Payload))
	c.expectClose(wstransport.CloseForbidden, "Forbidden")

	c = dial(t, url, "graphql-ws")
	c.send(`{"type":"start","id":"1","payload":{"query":"{ name }"}}`)
	c.expect("connection_error", "")
	c.expectClose(wstransport.CloseUnauthorized, "Unauthorized")

	c = dial(t, url, "graphql-ws")
	c.send(`not json`)
	c.expect("connection_error", "")
	c.expectClose(wstransport.CloseBadRequest, "")
}

func TestLegacyDuplicateIDIsRefusedNotFatal(t *testing.T) {
	t.Parallel()
	url, b, _ := newServer(t, wstransport.Config{InitFunc: authInit})
	c := dialLegacy(t, url)
	c.subscribe("start", "1", "subscription { events }")
	b.waitJoined(t)
	c.subscribe("start", "1", "subscription { events }")
	c.expect("error", "1")
	c.expect("complete", "1")
	b.publish(t, "still-here", waitTimeout)
	require.JSONEq(t, `{"data":{"events":"still-here"}}`, string(c.expect("data", "1").Payload))
}
