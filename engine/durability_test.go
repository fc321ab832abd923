package engine

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// startWorker runs `agentgraph worker` against this package's database and
// the test's Redis prefix, with a short lease so a takeover is quick; env
// adds settings (NAME=value).
func startWorker(t *testing.T, dbURL, prefix string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(testenv.BuildBinary(t), "worker", "--workers", "4")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "REDIS_URL="+testenv.RedisURL(),
		"REDIS_PREFIX="+prefix, "LEASE_DURATION=2s", "SHUTDOWN_GRACE=1s")
	cmd.Env = append(cmd.Env, env...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // also waits for the output copy
		if t.Failed() {
			t.Logf("worker output:\n%s", out.String())
		}
	})
	return cmd, &out
}

// TestWorkerKilledMidRunResumesElsewhere kill -9s a real worker process in
// the middle of a chain of WaitBlocks, starts another, and checks the run
// completes with every node executed exactly once and nothing lost.
func TestWorkerKilledMidRunResumesElsewhere(t *testing.T) {
	t.Parallel()
	// The test's engine only submits (never started as a worker).
	e := newEnv(t, Options{})
	e.eng.Stop()
	prefix := e.hubPrefix(t)
	u := e.user(1000)
	const steps = 6
	nodes := []nspec{{Key: "in", Block: "AgentInputBlock", Defaults: map[string]any{"name": "x"}}}
	links := []lspec{}
	prev, pin := "in", "result"
	for i := range steps {
		k := fmt.Sprintf("w%d", i)
		nodes = append(nodes, nspec{Key: k, Block: "WaitBlock", Defaults: map[string]any{"seconds": 0.3}})
		links = append(links, lspec{Source: prev, SourceName: pin, Sink: k, SinkName: "data"})
		prev, pin = k, "data"
	}
	nodes = append(nodes, nspec{Key: "out", Block: "AgentOutputBlock", Defaults: map[string]any{"name": "y"}})
	links = append(links, lspec{Source: prev, SourceName: pin, Sink: "out", SinkName: "value"})
	fg := e.graph(u, nodes, links)
	keyOf := map[string]string{}
	for _, n := range fg.Nodes {
		keyOf[n.ID.String()] = n.Key
	}
	w := e.watch(fg.ID)

	first, _ := startWorker(t, e.url, prefix)
	ex := e.submit(u, fg, map[string]any{"x": "payload"})
	// Wait until w1 completed (so w2 is running), then kill -9.
	completedBefore := map[string]bool{}
	w.until(ex.ID, func(ev events.Event) bool {
		if ev.Kind == events.KindNodeStatus && ev.Status == string(model.StatusCompleted) {
			completedBefore[keyOf[ev.NodeID]] = true
		}
		return completedBefore["w1"]
	})
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	killedAt := time.Now()
	require.Equal(t, model.StatusRunning, e.exec(ex.ID).Status)

	startWorker(t, e.url, prefix)
	got := w.until(ex.ID, nil)
	t.Logf("recovered in %s after kill -9 (lease 2s)", time.Since(killedAt).Round(time.Millisecond))
	require.Equal(t, model.StatusCompleted, got.Status)
	require.JSONEq(t, `{"y":["payload"]}`, string(got.Outputs))
	runs := e.nodeRuns(fg, ex.ID)
	for _, n := range nodes {
		require.Len(t, runs[n.Key], 1, "node %s must run exactly once", n.Key)
		require.Equal(t, model.StatusCompleted, runs[n.Key][0].Status, "node %s", n.Key)
	}
	for k := range completedBefore {
		require.Len(t, runs[k], 1, "completed node %s ran again", k)
	}
	// Sequence numbers keep increasing across the takeover (events the
	// killed worker committed but never published are a gap subscribers
	// repair from the snapshot) and the stream ends terminal.
	evs := w.evs[ex.ID.String()]
	for i := 1; i < len(evs); i++ {
		require.Greater(t, evs[i].Seq, evs[i-1].Seq, "seq order at event %d", i)
	}
	require.Equal(t, got.LastSeq, evs[len(evs)-1].Seq)
	require.True(t, evs[len(evs)-1].Terminal())
}
