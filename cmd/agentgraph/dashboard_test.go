package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

// testDashboardNamesExportedMetrics: the Grafana dashboard's queries name
// only series the binary exports, they use every agentgraph_ family, and
// the README's metrics table lists exactly the agentgraph_ families. The
// series come from scraping a serve process (engine included) after a run
// and a websocket subscription, so the labelled families exist.
func testDashboardNamesExportedMetrics(t *testing.T, bin string) {
	dbURL := testenv.PostgresURL(t)
	out, code := run(t, bin, []string{"DATABASE_URL=" + dbURL}, "user", "create", "--email", "dash-"+testenv.RandomSuffix(4)+"@example.com", "--role", "ADMIN")
	require.Equal(t, 0, code, out)
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, prefix := testenv.Redis(t)
	cmd := exec.Command(bin, "serve", "--workers", "2")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LISTEN_ADDR="+addr, "REDIS_PREFIX="+prefix, "SHUTDOWN_GRACE=5s")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "serve did not become ready")

	gql := func(query string, vars map[string]any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var r struct {
			Data   map[string]any
			Errors []any
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		require.Empty(t, r.Errors)
		return r.Data
	}
	g := gql(`mutation($in: GraphInput!) { createGraph(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": "dashboard", "nodes": []map[string]any{{"key": "v", "blockId": "StoreValueBlock", "inputDefault": map[string]any{"input": 1}}},
		"links": []any{}}})
	graphID := g["createGraph"].(map[string]any)["id"].(string)

	// A subscription open while the run goes: the websocket gauges count
	// it, and its events pass the hub (the lag histogram).
	ws := dialGraphQL(t, "ws://"+addr+"/graphql", key)
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
		"query": `subscription($g: ID!) { graphExecutions(graphId: $g) { id status } }`, "variables": map[string]any{"g": graphID}}})
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, sub))
	ex := gql(`mutation($g: ID!) { executeGraph(graphId: $g) { id } }`, map[string]any{"g": graphID})
	execID := ex["executeGraph"].(map[string]any)["id"].(string)
	require.Eventually(t, func() bool {
		r := gql(`query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": execID})
		return r["execution"].(map[string]any)["status"] == "COMPLETED"
	}, 60*time.Second, 50*time.Millisecond, "the run did not complete")

	var scrape []byte
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		scrape, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		// The subscribe message is handled by the connection's reader,
		// after the requests above may have been answered.
		return strings.Contains(string(scrape), "\nagentgraph_websocket_connections 1\n") &&
			strings.Contains(string(scrape), "\nagentgraph_websocket_subscriptions 1\n")
	}, 30*time.Second, 20*time.Millisecond, "the open websocket and its subscription are counted")
	exported, families := exportedSeries(string(scrape))

	raw, err := os.ReadFile("../../docs/grafana/agentgraph.json")
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	used := map[string]bool{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range promQLMetrics(tg.Expr) {
				require.True(t, exported[name], "panel %q queries %s, which the binary does not export (%s)", p.Title, name, tg.Expr)
				used[familyOf(name, families)] = true
			}
		}
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(agentgraph_[a-z_]+)`").FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	var ours []string
	for f := range families {
		if strings.HasPrefix(f, "agentgraph_") {
			ours = append(ours, f)
			require.True(t, used[f], "no dashboard panel shows %s", f)
			require.True(t, documented[f], "the README's metrics table does not list %s", f)
		}
	}
	for f := range documented {
		require.Contains(t, families, f, "the README lists %s, which the binary does not export", f)
	}
	slices.Sort(ours)
	t.Logf("%d agentgraph_ families exported, shown and documented: %v", len(ours), ours)
}

// exportedSeries reads a scrape's # TYPE lines: every series name it may
// hold (a histogram's _bucket, _sum and _count) and its family, by family.
func exportedSeries(scrape string) (names map[string]bool, families map[string]string) {
	names, families = map[string]bool{}, map[string]string{}
	for line := range strings.Lines(scrape) {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		families[f[2]] = f[3]
		names[f[2]] = true
		switch f[3] {
		case "histogram":
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f[2]+s] = true
			}
		case "summary":
			for _, s := range []string{"_sum", "_count"} {
				names[f[2]+s] = true
			}
		}
	}
	return names, families
}

// familyOf is the family a series name belongs to.
func familyOf(name string, families map[string]string) string {
	if _, ok := families[name]; ok {
		return name
	}
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if f, ok := strings.CutSuffix(name, s); ok {
			if _, ok := families[f]; ok {
				return f
			}
		}
	}
	return name
}

var (
	promQLDropped = regexp.MustCompile(`"[^"]*"|\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promQLIdent   = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promQLWords   = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true}
)

// promQLMetrics lists the metric names a PromQL expression selects: its
// identifiers less functions, keywords, grouping labels, label matchers
// and ranges.
func promQLMetrics(expr string) []string {
	var out []string
	for _, m := range promQLIdent.FindAllStringSubmatch(promQLDropped.ReplaceAllString(expr, " "), -1) {
		if m[1] == "" && !promQLWords[m[0]] {
			out = append(out, m[0])
		}
	}
	return out
}

// dialGraphQL opens a graphql-transport-ws connection authenticated with
// token and waits for its connection_ack.
func dialGraphQL(t *testing.T, url, token string) *websocket.Conn {
	t.Helper()
	ws, resp, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(url, nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"type":"connection_init","payload":{"Authorization":"Bearer %s"}}`, token)))
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, ack, err := ws.ReadMessage()
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"connection_ack"}`, string(ack))
	return ws
}
