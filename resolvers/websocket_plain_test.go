package resolvers_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// The frames of executionEvents that the server renders without gqlgen's
// executor (internal/server/plainevents.go) are gqlgen's bytes: the same
// subscriptions on the API and on its gqlgen-only twin receive identical
// frames, event by event, for selections with aliases, fragments,
// @include/@skip, __typename, strings that need escaping, JSON values and
// nulls, the outputs of a SNAPSHOT and of the run's end (read), and a
// selection the plain rendering leaves to gqlgen (the node).
func TestPlainEventsAsGqlgen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	const waits = 5
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": waitGraph("plain-events", waits)}, "createGraph", &g)
	input := map[string]any{"s": "quote \" back \\ é \u2028 <b>&</b>\n\x01", "n": []any{1, 2.5, nil}}
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`,
		map[string]any{"g": g.ID, "in": map[string]any{"x": input}}, "executeGraph", &ex)
	// Subscribe once the run is quiet (the output stored, every wait
	// running), so both connections' snapshots show the same run.
	require.Eventually(t, func() bool {
		var e struct {
			NodeExecutions []struct{ Status string }
		}
		b.ok(tok, `query($id: ID!) { execution(id: $id) { nodeExecutions { status } } }`, map[string]any{"id": ex.ID}, "execution", &e)
		n := 0
		for _, ne := range e.NodeExecutions {
			if ne.Status == "RUNNING" || ne.Status == "COMPLETED" {
				n++
			}
		}
		return n == waits+2
	}, 20*time.Second, 20*time.Millisecond)

	subs := map[string]string{
		"all": `subscription($id: ID!) { executionEvents(executionId: $id) {
		  __typename seq kind executionId graphId status nodeId nodeExecutionId pin value valueTruncated error at outputs } }`,
		"all2": `subscription($id: ID!) { executionEvents(executionId: $id) {
		  __typename seq kind executionId graphId status nodeId nodeExecutionId pin value valueTruncated error at outputs } }`,
		"api": `subscription Follow($id: ID!) { executionEvents(executionId: $id) {
		  seq kind status nodeId nodeExecutionId pin value error at outputs } }`,
		"shaped": `subscription($id: ID!, $yes: Boolean!) { ev: executionEvents(executionId: $id) {
		  ...F k: kind s: seq @include(if: $yes) at @skip(if: $yes) ... on ExecutionEvent { nodeId pin t: __typename } } }
		  fragment F on ExecutionEvent { value status error outputs valueTruncated }`,
		"node": `subscription($id: ID!) { executionEvents(executionId: $id) { seq kind node { key } pin value } }`,
	}
	type stream struct {
		frames map[string]map[int]string // subscription → seq → payload
		done   map[string]bool
	}
	connect := func(url string) (wsClient, *stream) {
		c := dialWSAt(t, url, tok)
		for id, q := range subs {
			c.send(map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": q,
				"variables": map[string]any{"id": ex.ID, "yes": true}}})
		}
		return c, &stream{frames: map[string]map[int]string{}, done: map[string]bool{}}
	}
	// at of a SNAPSHOT is when the run was read: the only field the two
	// connections may see differently.
	snapshotAt := regexp.MustCompile(`"at":"[^"]*"`)
	read := func(c wsClient, s *stream, until func() bool) {
		for !until() {
			raw := c.raw()
			var m struct {
				Type, ID string
				Payload  json.RawMessage
			}
			require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
			if m.Type == "complete" {
				s.done[m.ID] = true
				continue
			}
			require.Equal(t, "next", m.Type, "%s", raw)
			require.NotContains(t, string(m.Payload), `"errors"`)
			var p struct {
				Data map[string]map[string]any
			}
			require.NoError(t, json.Unmarshal(m.Payload, &p), "%s", raw)
			var seq int
			snapshot := false
			for _, ev := range p.Data {
				for k, v := range ev {
					if n, ok := v.(float64); ok && (k == "seq" || k == "s") {
						seq = int(n)
					}
					snapshot = snapshot || v == "SNAPSHOT"
				}
			}
			payload := string(m.Payload)
			if snapshot {
				seq = -1
				payload = snapshotAt.ReplaceAllString(payload, `"at":"…"`)
			}
			if s.frames[m.ID] == nil {
				s.frames[m.ID] = map[int]string{}
			}
			s.frames[m.ID][seq] = payload
		}
	}
	plainConn, plain := connect(b.url)
	gqlgenConn, gqlgen := connect(b.gqlgenURL)
	snapshots := func(s *stream) func() bool {
		return func() bool { return len(s.frames) == len(subs) }
	}
	read(plainConn, plain, snapshots(plain))
	read(gqlgenConn, gqlgen, snapshots(gqlgen))
	b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { id } }`, map[string]any{"id": ex.ID}, "", nil)
	ended := func(s *stream) func() bool { return func() bool { return len(s.done) == len(subs) } }
	read(plainConn, plain, ended(plain))
	read(gqlgenConn, gqlgen, ended(gqlgen))

	for id := range subs {
		require.Greater(t, len(plain.frames[id]), waits, "%s: the snapshot, the waits' ends and the run's", id)
		require.Equal(t, gqlgen.frames[id], plain.frames[id], id)
	}
	require.Equal(t, plain.frames["all"], plain.frames["all2"], "a rendering shared between subscriptions")
}
