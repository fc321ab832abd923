package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

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

func TestCLI(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildBinary(t)
	env := []string{"DATABASE_URL=" + testenv.PostgresURL(t)}

	out, code := run(t, bin, env, "migrate", "status")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "00001")
	require.NotContains(t, out, "pending")

	out, code = run(t, bin, env, "user", "create", "--email", "Cli@Example.com", "--role", "ADMIN")
	require.Equal(t, 0, code, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "agk_"), out)

	out, code = run(t, bin, env, "user", "create", "--email", "cli@example.com")
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

func TestBadConfigFailsClearly(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildBinary(t)
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
}

// TestServeHealthAndGracefulShutdown: serve answers /healthz and /readyz,
// closes its websockets with 1001 and exits 0 on SIGTERM.
func TestServeHealthAndGracefulShutdown(t *testing.T) {
	t.Parallel()
	bin := testenv.BuildBinary(t)
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
