package resolvers_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// The check for logs: a run with a block that logs at WARNING shows
// the line in `logs` and in the executionLogs subscription (with a minimum
// level that leaves the run's INFO lines out); the subscription completes
// after the run's end.
func TestBlockLogsAtWarningReachLogsAndTheSubscription(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	in := map[string]any{"name": "logs-warning",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "print", "blockId": "PrintToConsoleBlock", "inputDefault": map[string]any{"level": "WARNING"}}},
		"links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "print", "sinkName": "text"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!) { executeGraph(graphId: $g, inputs: {x: "disk almost full"}) { id } }`, map[string]any{"g": g.ID}, "executeGraph", &ex)

	sub := func(tok string) wsClient {
		c := dialWS(t, b, tok)
		c.send(map[string]any{"type": "subscribe", "id": "l", "payload": map[string]any{
			"query":     `subscription($id: ID!) { executionLogs(executionId: $id, minLevel: WARNING) { level message nodeId } }`,
			"variables": map[string]any{"id": ex.ID}}})
		return c
	}
	c := sub(tok)
	m := c.next()
	require.Equal(t, "next", m["type"], "%v", m)
	raw, _ := json.Marshal(m["payload"])
	var line struct {
		Data struct {
			ExecutionLogs struct {
				Level, Message string
				NodeID         *string
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &line))
	require.Equal(t, "WARNING", line.Data.ExecutionLogs.Level)
	require.Equal(t, "disk almost full", line.Data.ExecutionLogs.Message)
	require.NotNil(t, line.Data.ExecutionLogs.NodeID, "the line names its node")
	require.Equal(t, "complete", c.next()["type"], "only the WARNING line, then the end (the run's INFO line is below minLevel)")

	waitStatus(t, b, tok, ex.ID, "COMPLETED")
	var run struct {
		Logs struct {
			Edges []struct {
				Node struct{ Level, Message string }
			}
		}
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { logs { edges { node { level message } } } } }`, map[string]any{"id": ex.ID}, "execution", &run)
	var levels []string
	for _, e := range run.Logs.Edges {
		levels = append(levels, e.Node.Level+" "+e.Node.Message)
	}
	require.Contains(t, levels, "WARNING disk almost full")
	require.Contains(t, levels, "INFO execution COMPLETED")

	// Another user's run is not found.
	o := sub(other)
	m = o.next()
	raw, _ = json.Marshal(m["payload"])
	var denied response
	require.NoError(t, json.Unmarshal(raw, &denied))
	require.Equal(t, "NOT_FOUND", denied.code(), "%s", raw)
}

// executeGraph(logLevel: DEBUG): the run's log holds a DEBUG line per node
// execution's start and finish, in `logs` and in executionLogs(minLevel:
// DEBUG); a run at the default level has none. A level other than DEBUG or
// INFO is BAD_USER_INPUT naming logLevel.
func TestDebugRunLogsNodeStartAndFinish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	in := map[string]any{"name": "logs-debug",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "store", "blockId": "StoreValueBlock"}},
		"links": []map[string]any{{"sourceKey": "in", "sourceName": "result", "sinkKey": "store", "sinkName": "input"}}}
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": in}, "createGraph", &g)
	run := `mutation($g: ID!, $l: LogLevel) { executeGraph(graphId: $g, inputs: {x: 1}, logLevel: $l) { id logLevel } }`
	b.refusedField(tok, run, map[string]any{"g": g.ID, "l": "WARNING"}, "BAD_USER_INPUT", "logLevel")

	debugLines := func(level any) (string, []string) {
		var ex struct{ ID, LogLevel string }
		b.ok(tok, run, map[string]any{"g": g.ID, "l": level}, "executeGraph", &ex)
		waitStatus(t, b, tok, ex.ID, "COMPLETED")
		var got struct {
			LogLevel string
			Logs     struct {
				Edges []struct {
					Node struct{ Level, Message string }
				}
			}
		}
		b.ok(tok, `query($id: ID!) { execution(id: $id) { logLevel logs { edges { node { level message } } } } }`,
			map[string]any{"id": ex.ID}, "execution", &got)
		require.Equal(t, ex.LogLevel, got.LogLevel)
		var lines []string
		for _, e := range got.Logs.Edges {
			if e.Node.Level == "DEBUG" {
				lines = append(lines, duration.ReplaceAllString(e.Node.Message, " in D,"))
			}
		}
		return ex.ID, lines
	}

	id, lines := debugLines("DEBUG")
	want := []string{`node "in" (AgentInputBlock) started`, `node "in" (AgentInputBlock) COMPLETED in D, cost 0`,
		`node "store" (StoreValueBlock) started`, `node "store" (StoreValueBlock) COMPLETED in D, cost 0`}
	require.Equal(t, want, lines)

	// The subscription replays the lines of the ended run, then completes.
	c := dialWS(t, b, tok)
	c.send(map[string]any{"type": "subscribe", "id": "l", "payload": map[string]any{
		"query":     `subscription($id: ID!) { executionLogs(executionId: $id, minLevel: DEBUG) { level message } }`,
		"variables": map[string]any{"id": id}}})
	var streamed []string
	for m := c.next(); m["type"] != "complete"; m = c.next() {
		require.Equal(t, "next", m["type"], "%v", m)
		raw, _ := json.Marshal(m["payload"])
		var line struct {
			Data struct {
				ExecutionLogs struct{ Level, Message string }
			}
		}
		require.NoError(t, json.Unmarshal(raw, &line))
		if line.Data.ExecutionLogs.Level == "DEBUG" {
			streamed = append(streamed, duration.ReplaceAllString(line.Data.ExecutionLogs.Message, " in D,"))
		}
	}
	require.Equal(t, want, streamed)

	_, lines = debugLines(nil)
	require.Empty(t, lines, "a run at the default level logs no node starts and finishes")
}

var duration = regexp.MustCompile(` in [^,]+,`)
