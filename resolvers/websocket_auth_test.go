package resolvers_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// closeCode reads until the server closes the connection and returns the
// close frame's code; a data message meanwhile fails the test (nothing may
// arrive once the credential stopped working).
func (c wsClient) closeCode(t *testing.T) int {
	t.Helper()
	require.NoError(t, c.ws.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, msg, err := c.ws.ReadMessage()
	var ce *websocket.CloseError
	require.Truef(t, errors.As(err, &ce), "a message instead of the close: %s (err %v)", msg, err)
	return ce.Code
}

// subscribeRuns subscribes the connection to graphExecutions(g) and returns
// once the subscription is registered: the resolver has returned once a
// query sent after it on the same connection is answered, so a run started
// then cannot start before the hub listens.
func (c wsClient) subscribeRuns(t *testing.T, graphID string) {
	t.Helper()
	c.send(map[string]any{"type": "subscribe", "id": "g", "payload": map[string]any{
		"query":     `subscription($id: ID!) { graphExecutions(graphId: $id) { id status } }`,
		"variables": map[string]any{"id": graphID}}})
	c.send(map[string]any{"type": "subscribe", "id": "q", "payload": map[string]any{"query": `{ me { id } }`}})
	for m := c.next(); m["id"] != "q" || m["type"] != "complete"; m = c.next() {
	}
}

// A key revoked while a websocket it opened is connected closes that
// websocket at once (4403, as a refused connection_init), before the next
// run's events; the same user's connection on another key stays open and
// streams.
func TestWebsocketClosesWhenItsKeyIsRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("ws-revoked", 2)}, "createGraph", &g)
	var created struct {
		APIKey struct{ ID string }
		Secret string
	}
	b.ok(tok, `mutation { createAPIKey(name: "ws") { apiKey { id } secret } }`, nil, "createAPIKey", &created)

	revoked := dialWS(t, b, created.Secret)
	revoked.subscribeRuns(t, g.ID)
	kept := dialWS(t, b, tok)
	kept.subscribeRuns(t, g.ID)

	b.ok(tok, `mutation($id: ID!) { revokeAPIKey(id: $id) { isRevoked } }`, map[string]any{"id": created.APIKey.ID}, "", nil)
	require.Equal(t, 4403, revoked.closeCode(t))

	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	m := kept.next()
	require.Equal(t, "next", m["type"], "%v", m)
	require.Equal(t, ex.ID, m["payload"].(map[string]any)["data"].(map[string]any)["graphExecutions"].(map[string]any)["id"])
}

// A user deactivated while connected loses every open websocket, an API
// key's and a JWT session's alike (executionEvents here); another user's
// connection is not touched.
func TestWebsocketClosesWhenItsUserIsDeactivated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	_, adm := b.user(model.RoleAdmin)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("ws-deactivated", 2)}, "createGraph", &g)
	var og struct{ ID string }
	b.ok(other, createGraph, map[string]any{"in": chainGraph("ws-deactivated-other", 2)}, "createGraph", &og)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	jwt, err := b.jwt.Sign(u.ID, time.Hour)
	require.NoError(t, err)

	byKey := dialWS(t, b, tok)
	byKey.subscribeRuns(t, g.ID)
	byJWT := dialWS(t, b, jwt)
	byJWT.send(map[string]any{"type": "subscribe", "id": "e", "payload": map[string]any{
		"query":     `subscription($id: ID!) { executionEvents(executionId: $id) { seq kind } }`,
		"variables": map[string]any{"id": ex.ID}}})
	require.Equal(t, "next", byJWT.next()["type"], "the snapshot")
	bystander := dialWS(t, b, other)
	bystander.subscribeRuns(t, og.ID)

	b.ok(adm, `mutation($id: ID!) { deactivateUser(userId: $id) { isActive } }`, map[string]any{"id": u.ID.String()}, "", nil)
	// The run may still have been streaming before the deactivation; then
	// the close.
	for _, c := range []wsClient{byKey, byJWT} {
		for {
			require.NoError(t, c.ws.SetReadDeadline(time.Now().Add(10*time.Second)))
			_, _, err := c.ws.ReadMessage()
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				require.Equal(t, 4403, ce.Code)
				break
			}
			require.NoError(t, err)
		}
	}
	// And the tokens themselves are refused.
	r := b.do(tok, `{ me { id } }`, nil)
	require.Equal(t, "UNAUTHENTICATED", r.code())

	b.ok(other, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": og.ID}, "executeGraph", &ex)
	m := bystander.next()
	require.Equal(t, "next", m["type"], "%v", m)
	require.Equal(t, ex.ID, m["payload"].(map[string]any)["data"].(map[string]any)["graphExecutions"].(map[string]any)["id"])
}

// A websocket may be authenticated by its upgrade request's Authorization
// header instead of its connection_init (a client other than a browser can
// send one): revoking that key closes it too (4403), while a connection of
// the same user on another key stays open and answers. Was: only a
// connection_init's token was watched, and the header's connection went on
// answering as the user after its key was revoked.
func TestWebsocketAuthenticatedByItsHeaderClosesWhenItsKeyIsRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var created struct {
		APIKey struct{ ID string }
		Secret string
	}
	b.ok(tok, `mutation { createAPIKey(name: "ws header") { apiKey { id } secret } }`, nil, "createAPIKey", &created)
	h := http.Header{}
	h.Set("Authorization", "Bearer "+created.Secret)
	viaHeader := dialWSHeader(t, b.url, h)
	viaHeader.send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	require.Equal(t, "connection_ack", viaHeader.next()["type"])
	me := func(c wsClient, id string) map[string]any {
		c.send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": `{ me { id } }`}})
		m := c.next()
		require.Equal(t, "next", m["type"], "%v", m)
		require.Equal(t, "complete", c.next()["type"])
		return m["payload"].(map[string]any)["data"].(map[string]any)["me"].(map[string]any)
	}
	require.NotEmpty(t, me(viaHeader, "before")["id"], "the header signed the connection in")
	kept := dialWS(t, b, tok)

	b.ok(tok, `mutation($id: ID!) { revokeAPIKey(id: $id) { isRevoked } }`, map[string]any{"id": created.APIKey.ID}, "", nil)
	require.Equal(t, 4403, viaHeader.closeCode(t))
	require.NotEmpty(t, me(kept, "after")["id"], "the user's connection on another key stays")
}
