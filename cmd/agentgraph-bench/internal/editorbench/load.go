package editorbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
)

// Load is one closed-loop phase's figures: each client has one request in
// flight at a time.
type Load struct {
	Requests   int64
	Elapsed    time.Duration
	Latency    livebench.Dist
	Bytes      int // of one answer
	ServerCPU  time.Duration
	MachineCPU time.Duration // every process's, summed over cores
	Failed     int64         // answers not 200, with errors, or unlike the first
	FirstError string
}

// Rate is requests per second.
func (l Load) Rate() float64 { return float64(l.Requests) / l.Elapsed.Seconds() }

// CPUPerRequest is the server's CPU time per request.
func (l Load) CPUPerRequest() time.Duration {
	if l.Requests == 0 {
		return 0
	}
	return l.ServerCPU / time.Duration(l.Requests)
}

// checkAnswer decodes one editor answer and checks it holds the whole graph
// and its run.
func checkAnswer(b []byte, nodes, links, nodeExecutions int) error {
	var r struct {
		Data struct {
			Graph *struct {
				Nodes      []json.RawMessage
				Links      []json.RawMessage
				Executions struct {
					Edges []struct {
						Node struct{ NodeExecutions []json.RawMessage }
					}
				}
			}
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("the editor answer is not JSON: %w", err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("the editor answer has errors: %s", r.Errors[0])
	}
	g := r.Data.Graph
	if g == nil {
		return fmt.Errorf("the editor answer has no graph")
	}
	if len(g.Nodes) != nodes || len(g.Links) != links || len(g.Executions.Edges) != 1 ||
		len(g.Executions.Edges[0].Node.NodeExecutions) != nodeExecutions {
		return fmt.Errorf("the editor answer has %d nodes, %d links, %d runs; want %d, %d, 1 with %d node executions",
			len(g.Nodes), len(g.Links), len(g.Executions.Edges), nodes, links, nodeExecutions)
	}
	return nil
}

// loadEditor runs the editor query from clients workers for d. Every
// answer must equal want byte for byte: nothing changes the graph
// meanwhile, so a different answer is a wrong one.
func loadEditor(ctx context.Context, c *client, srv *livebench.Process, req, want []byte, clients int, d time.Duration) (Load, error) {
	var (
		n, failed atomic.Int64
		mu        sync.Mutex
		firstErr  string
		lats      = make([][]time.Duration, clients)
	)
	fail := func(msg string) {
		failed.Add(1)
		mu.Lock()
		if firstErr == "" {
			firstErr = msg
		}
		mu.Unlock()
	}
	cpu0, err := srv.CPU()
	if err != nil {
		return Load{}, err
	}
	all0 := livebench.MachineCPU()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			var buf bytes.Buffer
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := c.post(ctx, req, &buf); err != nil {
					if ctx.Err() == nil {
						fail(err.Error())
					}
					continue
				}
				lats[w] = append(lats[w], time.Since(t0))
				n.Add(1)
				if !bytes.Equal(buf.Bytes(), want) {
					fail(fmt.Sprintf("an answer of %d bytes differs from the first (%d bytes): %.300s", buf.Len(), len(want), buf.Bytes()))
				}
			}
		})
	}
	wg.Wait()
	l := Load{Requests: n.Load(), Elapsed: time.Since(start), Bytes: len(want), Failed: failed.Load(), FirstError: firstErr}
	cpu1, err := srv.CPU()
	if err != nil {
		return l, err
	}
	l.ServerCPU, l.MachineCPU = cpu1-cpu0, livebench.MachineCPU()-all0
	var all []time.Duration
	for _, s := range lats {
		all = append(all, s...)
	}
	l.Latency = livebench.Percentiles(all)
	return l, ctx.Err()
}
