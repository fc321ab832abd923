package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBinary builds agentgraph once and runs the command-line tests on it
// in parallel: one build, not one per test, is most of this package's time.
func TestBinary(t *testing.T) {
	bin := testenv.BuildBinary(t)
	for name, test := range map[string]func(*testing.T, string){
		"CLI":                            testCLI,
		"BadConfigFailsClearly":          testBadConfigFailsClearly,
		"ServeHealthAndGracefulShutdown": testServeHealthAndGracefulShutdown,
		"WorkerAdminEndpoints":           testWorkerAdminEndpoints,
		"HelpListsNoBenchmark":           testHelpListsNoBenchmark,
		"DashboardNamesExportedMetrics":  testDashboardNamesExportedMetrics,
		"TracesAcrossProcesses":          testTracesAcrossProcesses,
		"Import":                         testImport,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, bin)
		})
	}
}

func run(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

func testCLI(t *testing.T, bin string) {
	env := []string{"DATABASE_URL=" + testenv.PostgresURL(t)}

	out, code := run(t, bin, env, "migrate", "status")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "00001")
	require.NotContains(t, out, "pending")

	// A fresh address each time: the package's database outlives one run
	// of the test (go test -count=N).
	suffix := testenv.RandomSuffix(4)
	out, code = run(t, bin, env, "user", "create", "--email", "Cli-"+suffix+"@Example.com", "--role", "ADMIN")
	require.Equal(t, 0, code, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "agk_"), out)

	out, code = run(t, bin, env, "user", "create", "--email", "cli-"+suffix+"@example.com")
	require.Equal(t, 1, code)
	require.Contains(t, out, "already exists")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(out), "\n")+1, "one clear line: %q", out)

	for _, bad := range [][]string{{"--email", "not-an-email"}, {"--email", "x@example.com", "--role", "ROOT"}, {}} {
		out, code = run(t, bin, env, append([]string{"user", "create"}, bad...)...)
		require.Equal(t, 1, code, out)
	}
	var n int
	require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(), `SELECT count(*) FROM users WHERE email IN ('not-an-email', 'x@example.com')`).Scan(&n))
	require.Zero(t, n, "refused users were not written")
}

func testBadConfigFailsClearly(t *testing.T, bin string) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"DATABASE_URL=nonsense://"}, "DATABASE_URL"},
		{[]string{"DATABASE_URL=postgres://postgres@127.0.0.1:1/agentgraph?sslmode=disable"}, "unreachable"},
		{[]string{"DATABASE_URL=" + testenv.PostgresURL(t), "REDIS_URL=redis://127.0.0.1:1/0"}, "redis"},
		{[]string{"DATABASE_URL=" + testenv.PostgresURL(t), "REDIS_URL=nope"}, "REDIS_URL"},
		{[]string{"WORKERS=many"}, "WORKERS"},
	}
	for _, c := range cases {
		out, code := run(t, bin, append(c.env, "LISTEN_ADDR=127.0.0.1:0"), "serve")
		require.Equal(t, 1, code, out)
		last := strings.TrimSpace(out)
		last = last[strings.LastIndex(last, "\n")+1:]
		require.Contains(t, last, c.want, out)
	}
	// serve and worker take the same flags, refused the same way.
	env := []string{"DATABASE_URL=nonsense://"} // flags are checked before connecting
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"worker", "--workers", "0"}, "--workers must be at least 1"},
		{[]string{"worker", "--max-nodes", "-1"}, "--max-nodes must be a non-negative integer"},
		{[]string{"serve", "--per-user", "-2"}, "--per-user must be a non-negative integer"},
		{[]string{"serve", "--workers", "x"}, "usage: serve [--workers N] [--max-nodes N] [--per-user N]"},
		{[]string{"worker", "--bench"}, "flag provided but not defined: -bench"},
	} {
		out, code := run(t, bin, env, c.args...)
		require.Equal(t, 1, code, out)
		require.Contains(t, out, c.want, out)
	}
}

// testServeHealthAndGracefulShutdown: serve answers /healthz and /readyz,
// closes its websockets with 1001 and exits 0 on SIGTERM.
func testServeHealthAndGracefulShutdown(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, prefix := testenv.Redis(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+testenv.PostgresURL(t), "LISTEN_ADDR="+addr, "REDIS_PREFIX="+prefix, "SHUTDOWN_GRACE=5s")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	serving := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving") {
				close(serving)
				for sc.Scan() {
				}
				return
			}
		}
	}()
	select {
	case <-serving:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not start")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(fmt.Sprintf("http://%s%s", addr, path))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	// An open websocket is closed with 1001 Going Away on shutdown, so its
	// client reconnects to another instance.
	ws, resp, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial("ws://"+addr+"/graphql", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	defer ws.Close()
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"connection_init"}`)))
	_, ack, err := ws.ReadMessage()
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"connection_ack"}`, string(ack))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, websocket.CloseGoingAway, ce.Code)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "serve exits 0 after SIGTERM")
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not stop after SIGTERM")
	}
}

// testWorkerAdminEndpoints: a worker with ADMIN_ADDR serves /metrics with
// the engine's agentgraph_ series, /healthz and /readyz there, and exits 0
// on SIGTERM.
func testWorkerAdminEndpoints(t *testing.T, bin string) {
	_, prefix := testenv.Redis(t)
	cmd := exec.Command(bin, "worker", "--workers", "2", "--max-nodes", "8", "--per-user", "1")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+testenv.PostgresURL(t), "REDIS_PREFIX="+prefix,
		"ADMIN_ADDR=127.0.0.1:0", "SHUTDOWN_GRACE=5s")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // a no-op once it has exited
	// The admin address is logged once bound (the kernel picked the port);
	// "worker running" follows once the engine has started. The log is JSON
	// (the default when it is not a terminal).
	addr, running := make(chan string, 1), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			switch line.Msg {
			case "admin endpoints":
				addr <- line.Addr
			case "worker running":
				close(running)
			}
		}
		done <- cmd.Wait()
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("worker exited before serving its admin endpoints: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("worker did not serve its admin endpoints")
	}
	select {
	case <-running:
	case err := <-done:
		t.Fatalf("worker exited before running: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("worker did not start its engine")
	}

	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	code, body := get("/healthz")
	require.Equal(t, http.StatusOK, code, body)
	code, body = get("/readyz")
	require.Equal(t, http.StatusOK, code, body)
	code, body = get("/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, series := range []string{"agentgraph_runs_started_total ", "agentgraph_lease_takeovers_total ",
		`agentgraph_runs_finished_total{status="COMPLETED"} `, "agentgraph_runs_queued ", "agentgraph_runs_running ",
		"go_goroutines "} {
		require.Contains(t, body, "\n"+series, "the worker exports %s", series)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		require.NoError(t, err, "worker exits 0 after SIGTERM")
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not stop after SIGTERM")
	}
}

// testHelpListsNoBenchmark: the product binary holds what an operator runs;
// the benchmarks are agentgraph-bench's.
func testHelpListsNoBenchmark(t *testing.T, bin string) {
	out, code := run(t, bin, nil, "--help")
	require.Equal(t, 0, code, out)
	for _, cmd := range []string{"serve", "worker", "migrate", "user create", "import FILE", "ADMIN_ADDR"} {
		require.Contains(t, out, cmd)
	}
	require.NotContains(t, strings.ToLower(out), "bench")
	out, code = run(t, bin, nil, "bench")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, `unknown command "bench"`)
}

// calculatorExport is an AutoGPT agent export of the calculator's shape.
const calculatorExport = `{"id": "858e2226-e047-4d19-a832-3be4a134d155", "version": 2, "name": "Calculator agent", "description": "",
  "nodes": [
    {"id": "in", "block_id": "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b", "input_default": {"name": "Input"}, "metadata": {"position": {"x": -188.2, "y": 95}}},
    {"id": "out", "block_id": "363ae599-353e-4804-937e-b2ee3cef3da4", "input_default": {"name": "Output"}, "metadata": {"position": {"x": 825.1, "y": 123.75}}},
    {"id": "calc", "block_id": "b1ab9b19-67a6-406d-abf5-2dba76d00c79", "input_default": {"b": 34, "operation": "Add", "round_result": false, "nope": 1}, "metadata": {"position": {"x": 323, "y": 121.25}}}],
  "links": [
    {"id": "l1", "source_id": "in", "sink_id": "calc", "source_name": "result", "sink_name": "a", "is_static": true},
    {"id": "l2", "source_id": "calc", "sink_id": "out", "source_name": "result", "sink_name": "value", "is_static": false}],
  "sub_graphs": []}`

// testImport: `import FILE --user EMAIL` stores an AutoGPT export for that
// user and prints the graph and its report; bad input fails with one clear
// line and stores nothing.
func testImport(t *testing.T, bin string) {
	env := []string{"DATABASE_URL=" + testenv.PostgresURL(t)}
	dir := t.TempDir()
	file := dir + "/calculator.json"
	require.NoError(t, os.WriteFile(file, []byte(calculatorExport), 0o600))
	notExport := dir + "/other.json"
	require.NoError(t, os.WriteFile(notExport, []byte(`{"hello": "world"}`), 0o600))
	email := "importer-" + testenv.RandomSuffix(6) + "@example.com"
	out, code := run(t, bin, env, "user", "create", "--email", email)
	require.Equal(t, 0, code, out)

	out, code = run(t, bin, env, "import", file, "--user", email)
	require.Equal(t, 0, code, out)
	require.Regexp(t, `graph [0-9a-f-]{36} "Calculator agent" imported for `+regexp.QuoteMeta(email), out)
	require.Contains(t, out, `KEPT_AS_METADATA: node calc: CalculatorBlock has no input "nope" here`)
	out, code = run(t, bin, env, "import", "--user", email, "--name", "Sums", file)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, `"Sums" imported`)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", file}, "usage: agentgraph import FILE --user EMAIL"},
		{[]string{"import", file, "--user", "nobody-" + email}, "no user has the email"},
		{[]string{"import", notExport, "--user", email}, `document: is not an AutoGPT agent export: it has no "nodes" list`},
		{[]string{"import", dir + "/missing.json", "--user", email}, "no such file"},
	} {
		out, code := run(t, bin, env, c.args...)
		require.Equal(t, 1, code, out)
		require.Contains(t, out, c.want)
	}
	var n int
	require.NoError(t, testenv.Postgres(t).QueryRow(context.Background(),
		`SELECT count(*) FROM graphs g JOIN users u ON u.id = g.user_id WHERE u.email = $1`, email).Scan(&n))
	require.Equal(t, 2, n, "two imports, nothing from the refused ones")
}
