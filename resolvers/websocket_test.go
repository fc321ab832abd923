package resolvers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

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

	c := dialWS(t, b, tok)
	send, next := c.send, c.next
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

type wsClient struct {
	send func(v any)
	next func() map[string]any
	raw  func() []byte // the next message as sent
	ws   *websocket.Conn
}

// dialWS opens an acknowledged graphql-transport-ws connection as tok.
func dialWS(t *testing.T, b *bundle, tok string) wsClient {
	t.Helper()
	return dialWSAt(t, b.url, tok)
}

// dialWSAt is dialWS to the API at url.
func dialWSAt(t *testing.T, url, tok string) wsClient {
	t.Helper()
	c := dialWSHeader(t, url, nil)
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tok}})
	require.Equal(t, "connection_ack", c.next()["type"])
	return c
}

// dialWSHeader opens a graphql-transport-ws connection to url whose upgrade
// request carries header, not yet initialised.
func dialWSHeader(t *testing.T, url string, header http.Header) wsClient {
	t.Helper()
	ws, resp, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(
		"ws"+strings.TrimPrefix(url, "http"), header)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	c := wsClient{
		ws:   ws,
		send: func(v any) { require.NoError(t, ws.WriteJSON(v)) },
		next: func() map[string]any {
			require.NoError(t, ws.SetReadDeadline(time.Now().Add(10*time.Second)))
			var m map[string]any
			require.NoError(t, ws.ReadJSON(&m))
			return m
		},
		raw: func() []byte {
			require.NoError(t, ws.SetReadDeadline(time.Now().Add(10*time.Second)))
			_, b, err := ws.ReadMessage()
			require.NoError(t, err)
			return b
		},
	}
	return c
}

// graphExecutions streams the status of the caller's runs of a graph, read
// from Postgres on each GRAPH_STATUS event (the only events graph channels
// carry), until the run's end.
func TestGraphExecutionsFollowsRunsToTheirEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("ws-graph-execs", 3)}, "createGraph", &g)
	c := dialWS(t, b, tok)
	c.subscribeRuns(t, g.ID)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	var seen []string
	for {
		m := c.next()
		require.Equal(t, "next", m["type"], "%v", m)
		run := m["payload"].(map[string]any)["data"].(map[string]any)["graphExecutions"].(map[string]any)
		require.Equal(t, ex.ID, run["id"])
		// Each a change: a status is never sent twice in a row (a QUEUED
		// event read after the claim reads RUNNING, as the claim's does).
		if len(seen) > 0 {
			require.NotEqual(t, seen[len(seen)-1], run["status"], "statuses seen: %v", seen)
		}
		seen = append(seen, run["status"].(string))
		if run["status"] == "COMPLETED" {
			break
		}
	}
}

// Without a transport that drives the operation (here: HTTP POST, which
// answers one result), executionEvents falls back to its buffered channel:
// the answer is the run's SNAPSHOT.
func TestExecutionEventsOverHTTPAnswersTheSnapshot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("http-sub", 2)}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)
	var ev struct {
		Kind      string
		Execution struct{ ID string }
	}
	b.ok(tok, `subscription($id: ID!) { executionEvents(executionId: $id) { kind execution { id } } }`,
		map[string]any{"id": ex.ID}, "executionEvents", &ev)
	require.Equal(t, "SNAPSHOT", ev.Kind)
	require.Equal(t, ex.ID, ev.Execution.ID)
}

// executionEvents over the websocket (the transport drives it on demand):
// the SNAPSHOT, then every event once and in order, and completion after
// the run's end, for each of one user's two subscriptions of the run. The
// run waits in a WaitBlock until cancelled, so
// the snapshot always comes before the end and the end arrives as events.
func TestExecutionEventsOverWebsocketFollowTheRunToItsEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "ws-exec-events",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "wait", "blockId": "WaitBlock", "inputDefault": map[string]any{"seconds": 600}}},
		"links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "wait", "sinkName": "data"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: 1}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	c := dialWS(t, b, tok)
	subs := []string{"a", "b"}
	for _, id := range subs {
		c.send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{
			"query":     `subscription($id: ID!) { executionEvents(executionId: $id) { seq kind status executionId } }`,
			"variables": map[string]any{"id": ex.ID}}})
	}
	type event struct {
		Seq         int
		Kind        string
		Status      *string
		ExecutionID string
	}
	read := func() (string, string, *event) {
		m := c.next()
		id, _ := m["id"].(string)
		if m["type"] != "next" {
			return m["type"].(string), id, nil
		}
		var out struct {
			Data struct{ ExecutionEvents event }
		}
		raw, _ := json.Marshal(m["payload"])
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
		return "next", id, &out.Data.ExecutionEvents
	}
	last := map[string]int{} // seq of the last event (or snapshot) per subscription
	seen := map[string][]int{}
	done := map[string]bool{}
	cancelled := false
	for len(done) < len(subs) {
		typ, id, ev := read()
		require.False(t, done[id], "%s after complete", typ)
		if typ == "complete" {
			done[id] = true
			continue
		}
		require.Equal(t, "next", typ)
		require.Equal(t, ex.ID, ev.ExecutionID)
		if _, started := last[id]; !started {
			require.Equal(t, "SNAPSHOT", ev.Kind, "%s: a stream starts with its snapshot", id)
			require.NotContains(t, []string{"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}, *ev.Status, "the run waits")
			last[id] = ev.Seq
		} else {
			require.NotEqual(t, "SNAPSHOT", ev.Kind, "%s: no resync expected here", id)
			require.Equal(t, last[id]+1, ev.Seq, "%s: no gap, no duplicate", id)
			last[id] = ev.Seq
			seen[id] = append(seen[id], ev.Seq)
		}
		if len(last) == len(subs) && !cancelled {
			b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, map[string]any{"id": ex.ID}, "", nil)
			cancelled = true
		}
	}
	require.Equal(t, last["a"], last["b"], "both subscriptions reached the end")
	var end struct{ Status string }
	b.ok(tok, `query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": ex.ID}, "execution", &end)
	require.Equal(t, "CANCELLED", end.Status)
	require.NotEmpty(t, seen["a"], "the end arrived as events")
	require.NotEmpty(t, seen["b"], "the end arrived as events")
}
