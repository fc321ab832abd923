package resolvers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Every operation on a websocket gets its own loaders: one connection
// carries many operations over its lifetime, and loaders shared between
// them would answer from a stale cache (here: a version list read before a
// new version was saved).
func TestWebsocketOperationsDoNotShareLoaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("ws-loaders", 2)}, "createGraph", &g)

	ws, resp, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(
		"ws"+strings.TrimPrefix(b.url, "http"), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	send := func(v any) {
		require.NoError(t, ws.WriteJSON(v))
	}
	next := func() map[string]any {
		var m map[string]any
		require.NoError(t, ws.ReadJSON(&m))
		return m
	}
	send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tok}})
	require.Equal(t, "connection_ack", next()["type"])
	versions := func(id string) int {
		send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{
			"query": `query($id: ID!) { graph(id: $id) { versions { version } } }`, "variables": map[string]any{"id": g.ID}}})
		m := next()
		require.Equal(t, "next", m["type"], "%v", m)
		require.Equal(t, "complete", next()["type"])
		var out struct {
			Data struct {
				Graph struct{ Versions []struct{ Version int } }
			}
		}
		raw, _ := json.Marshal(m["payload"])
		require.NoError(t, json.Unmarshal(raw, &out))
		return len(out.Data.Graph.Versions)
	}
	require.Equal(t, 1, versions("a"))
	upd := `mutation($id: ID!, $in: GraphInput!) { updateGraph(id: $id, input: $in, activate: false) { version } }`
	b.ok(tok, upd, map[string]any{"id": g.ID, "in": chainGraph("ws-loaders", 3)}, "", nil)
	require.Equal(t, 2, versions("b"), "the second operation must see the new version")
}
