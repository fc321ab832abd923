package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
)

// wsStub is a graphql-transport-ws server that acknowledges the
// connection and answers every subscribe with the events of script (seq
// kind status each), as "next" frames in the server's format, then
// "complete".
func wsStub(t *testing.T, script ...string) string {
	t.Helper()
	up := websocket.Upgrader{Subprotocols: []string{"graphql-transport-ws"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			var m struct{ Type, ID string }
			if ws.ReadJSON(&m) != nil {
				return
			}
			switch m.Type {
			case "connection_init":
				_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"connection_ack"}`))
			case "subscribe":
				id, _ := json.Marshal(m.ID)
				for _, line := range script {
					var seq int
					var kind, status string
					_, _ = fmt.Sscan(line, &seq, &kind, &status)
					st := `null`
					if status != "" {
						st = `"` + status + `"`
					}
					_ = ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil,
						`{"type":"next","id":%s,"payload":{"data":{"executionEvents":{"seq":%d,"kind":"%s","status":%s,"value":{"seq":0},"at":"2026-11-30T06:00:00Z"}}}}`,
						id, seq, kind, st))
				}
				_ = ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"type":"complete","id":%s}`, id))
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func stubClient(t *testing.T, base string) *apiClient {
	t.Helper()
	ws, err := livebench.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", "key")
	require.NoError(t, err)
	c := &apiClient{ws: ws}
	t.Cleanup(c.close)
	return c
}

// A run followed to its end: the SNAPSHOT, every later seq once and in
// order, a COMPLETED end; a SNAPSHOT sent again covers the seqs it skips.
func TestFollowRunAcceptsAGapFreeStreamToCompleted(t *testing.T) {
	c := stubClient(t, wsStub(t, "2 SNAPSHOT RUNNING", "3 NODE_STATUS RUNNING", "4 NODE_OUTPUT",
		"7 SNAPSHOT RUNNING", "8 GRAPH_STATUS COMPLETED"))
	for range 2 { // one connection, one subscription after the other
		f, err := c.followRun(uuid.New())
		require.NoError(t, err)
		require.Equal(t, followed{frames: 5, resnapshots: 1, first: 2, last: 8}, f)
	}
}

// A run that had ended before it was followed is its SNAPSHOT alone.
func TestFollowRunOfAnEndedRunIsItsSnapshot(t *testing.T) {
	c := stubClient(t, wsStub(t, "9 SNAPSHOT COMPLETED"))
	f, err := c.followRun(uuid.New())
	require.NoError(t, err)
	require.Equal(t, followed{frames: 1, first: 9, last: 9, endedFirst: true}, f)
}

// Every way a stream can be wrong fails the run.
func TestFollowRunRefusesBrokenStreams(t *testing.T) {
	for name, script := range map[string][]string{
		"gap":            {"2 SNAPSHOT RUNNING", "4 NODE_OUTPUT"},
		"duplicate":      {"2 SNAPSHOT RUNNING", "3 NODE_OUTPUT", "3 NODE_OUTPUT"},
		"no end":         {"2 SNAPSHOT RUNNING", "3 NODE_OUTPUT"},
		"failed":         {"2 SNAPSHOT RUNNING", "3 GRAPH_STATUS FAILED"},
		"event first":    {"3 NODE_OUTPUT", "4 GRAPH_STATUS COMPLETED"},
		"ended snapshot": {"5 SNAPSHOT TIMEOUT"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := stubClient(t, wsStub(t, script...)).followRun(uuid.New())
			require.Error(t, err)
		})
	}
}
