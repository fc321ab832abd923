package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
	"github.com/agentgraph/agentgraph/internal/tracing/otlpstub"
)

// process is a running agentgraph command whose stderr is read as JSON
// log lines.
type process struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []map[string]any
	raw   []string
	seen  chan string // each line's msg
	done  chan error
}

func start(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), seen: make(chan string, 1000), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // a no-op once it has exited
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", args[0], strings.Join(p.raw, "\n"))
			p.mu.Unlock()
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			err := json.Unmarshal(sc.Bytes(), &m)
			p.mu.Lock()
			p.raw = append(p.raw, sc.Text())
			if err == nil {
				p.lines = append(p.lines, m)
			}
			p.mu.Unlock()
			msg, _ := m["msg"].(string)
			select {
			case p.seen <- msg:
			default:
			}
		}
		p.done <- p.cmd.Wait()
	}()
	return p
}

// waitFor waits for a log line whose msg is msg and returns it.
func (p *process) waitFor(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case m := <-p.seen:
			if m != msg {
				continue
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			for i := len(p.lines) - 1; i >= 0; i-- {
				if p.lines[i]["msg"] == msg {
					return p.lines[i]
				}
			}
		case err := <-p.done:
			t.Fatalf("%s exited before logging %q: %v", p.cmd.Args[1], msg, err)
		case <-deadline:
			t.Fatalf("%s did not log %q", p.cmd.Args[1], msg)
		}
	}
}

// stop sends SIGTERM and requires exit status 0; every line it wrote was
// a JSON object with a level and a message.
func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "%s exits 0 after SIGTERM", p.cmd.Args[1])
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop after SIGTERM", p.cmd.Args[1])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Len(t, p.lines, len(p.raw), "every log line is JSON: %s", strings.Join(p.raw, "\n"))
	for _, l := range p.lines {
		require.NotEmpty(t, l["level"])
		require.NotEmpty(t, l["msg"])
	}
}

// gql posts one GraphQL request and returns its data, failing on errors.
func gql(t *testing.T, url, key, query string, vars map[string]any, header ...string) map[string]json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Data   map[string]json.RawMessage
		Errors []any
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Empty(t, out.Errors)
	return out.Data
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testTracesAcrossProcesses: an API-only serve and a worker, both exporting
// to an OTLP/HTTP receiver. executeGraph, called with a client's sampled
// traceparent, gets an operation span under it in the API process; the
// worker that claims the run starts the run span under the operation span
// (read back from the run's stored trace context), and the node spans
// under the run span: one trace across the client, two processes and the
// queue. Both processes log JSON lines (the default off a terminal).
func testTracesAcrossProcesses(t *testing.T, bin string) {
	stub := otlpstub.New()
	defer stub.Close()
	_, dbURL := testenv.NewDatabase(t, 2) // no other test's worker may claim this run
	_, prefix := testenv.Redis(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	env := []string{"DATABASE_URL=" + dbURL, "REDIS_PREFIX=" + prefix, "LISTEN_ADDR=" + addr, "SHUTDOWN_GRACE=5s",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + stub.URL, "OTEL_BSP_SCHEDULE_DELAY=100"}

	out, code := run(t, bin, env, "user", "create", "--email", "tracer-"+testenv.RandomSuffix(4)+"@example.com")
	require.Equal(t, 0, code, out)
	key := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])

	api := start(t, bin, append(env, "OTEL_SERVICE_NAME=agentgraph-api"), "serve", "--workers", "0")
	api.waitFor(t, "serving")
	worker := start(t, bin, append(env, "OTEL_SERVICE_NAME=agentgraph-worker"), "worker", "--workers", "2")
	worker.waitFor(t, "worker running")

	url := "http://" + addr + "/graphql"
	data := gql(t, url, key, `mutation($in: GraphInput!) { createGraph(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": "traced",
		"nodes": []map[string]any{
			{"key": "in", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "x"}},
			{"key": "keep", "blockId": "StoreValueBlock"},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "y"}},
		},
		"links": []map[string]any{
			{"sourceKey": "in", "sourceName": "result", "sinkKey": "keep", "sinkName": "input"},
			{"sourceKey": "keep", "sourceName": "output", "sinkKey": "out", "sinkName": "value"},
		},
	}})
	var g struct{ ID string }
	require.NoError(t, json.Unmarshal(data["createGraph"], &g))

	traceID, parentID := randomHex(16), randomHex(8)
	data = gql(t, url, key, `mutation Run($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`,
		map[string]any{"g": g.ID, "in": map[string]any{"x": 7}}, "traceparent", "00-"+traceID+"-"+parentID+"-01")
	var ex struct{ ID string }
	require.NoError(t, json.Unmarshal(data["executeGraph"], &ex))
	deadline := time.Now().Add(60 * time.Second)
	for {
		data = gql(t, url, key, `query($id: ID!) { execution(id: $id) { status } }`, map[string]any{"id": ex.ID})
		var st struct{ Status string }
		require.NoError(t, json.Unmarshal(data["execution"], &st))
		if st.Status == "COMPLETED" {
			break
		}
		require.NotContains(t, []string{"FAILED", "CANCELLED", "TIMEOUT"}, st.Status)
		require.True(t, time.Now().Before(deadline), "the run did not complete (status %s)", st.Status)
		time.Sleep(50 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inTrace := func(spans []otlpstub.Span) []otlpstub.Span {
		var out []otlpstub.Span
		for _, s := range spans {
			if s.TraceID == traceID {
				out = append(out, s)
			}
		}
		return out
	}
	spans, err := stub.WaitFor(ctx, func(s []otlpstub.Span) bool { return len(inTrace(s)) >= 5 })
	require.NoError(t, err, "spans: %+v", spans)
	spans = inTrace(spans)
	require.Len(t, spans, 5, "operation, run, three nodes")
	byName := map[string][]otlpstub.Span{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	op := byName["mutation Run"]
	require.Len(t, op, 1, "spans: %+v", spans)
	require.Equal(t, "agentgraph-api", op[0].Service)
	require.Equal(t, parentID, op[0].ParentSpanID, "the operation continues the client's trace")
	require.Equal(t, "Run", op[0].Attrs["graphql.operation.name"])
	runs := byName["run"]
	require.Len(t, runs, 1)
	require.Equal(t, "agentgraph-worker", runs[0].Service)
	require.Equal(t, op[0].SpanID, runs[0].ParentSpanID, "the run continues the operation's trace in the worker")
	require.Equal(t, ex.ID, runs[0].Attrs["agentgraph.execution_id"])
	require.Equal(t, "COMPLETED", runs[0].Attrs["agentgraph.status"])
	var blocks []string
	for _, s := range spans {
		if strings.HasPrefix(s.Name, "node ") {
			require.Equal(t, runs[0].SpanID, s.ParentSpanID, "%s is a child of the run", s.Name)
			require.Equal(t, "COMPLETED", s.Attrs["agentgraph.status"])
			blocks = append(blocks, s.Attrs["agentgraph.block"].(string))
		}
	}
	require.ElementsMatch(t, []string{"AgentInputBlock", "StoreValueBlock", "AgentOutputBlock"}, blocks)

	worker.stop(t)
	api.stop(t)
}
