package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/engine"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// benchAICmd (`agentgraph-bench ai`) measures issue 12's figures on one
// engine in this process, against an OpenAI-compatible provider stub (also
// in this process) that sends its first token at once and finishes after
// --stub-delay: --calls AI runs (AgentInputBlock → AITextGeneratorBlock →
// AgentOutputBlock, on the operator's key) in flight at once must all
// complete; meanwhile a --chain-nodes chain of plain blocks runs again and
// again, its p50 compared with its p50 on the idle engine; the heap and
// stacks grown with every call in flight, per call; the first token's trip
// from the stub's write to a Redis subscriber of the run's channel (what
// every API process's hub receives; the websocket write after it is
// measured by `agentgraph-bench live`); and each AI node's run time beyond
// the stub's own time for its request.
func benchAICmd(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("ai", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	calls := fs.Int("calls", 2000, "AI runs in flight at once")
	delay := fs.Duration("stub-delay", 2*time.Second, "the stub's answer time (first token at once, the rest after this)")
	chainNodes := fs.Int("chain-nodes", 40, "nodes of the plain chain")
	idleRuns := fs.Int("idle-runs", 20, "chain runs on the idle engine")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v (usage: ai [--calls N] [--stub-delay D] [--chain-nodes N] [--idle-runs N])", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := connect(ctx, quiet)
	if err != nil {
		return err
	}
	defer d.close()
	if err := warmPool(ctx, d.pool); err != nil {
		return err
	}
	stub := newAIStub(*delay)
	defer stub.srv.Close()
	ends := newEndTracker()
	keys := credentials.OperatorKeys{"openai": {Provider: "openai", Type: "API_KEY", Secret: "sk-bench",
		BaseURL: stub.srv.URL + "/v1", Operator: true}}
	noUserCreds := func(context.Context, uuid.UUID, []string) (map[string]blocks.Credential, error) {
		return map[string]blocks.Credential{}, nil
	}
	eng := engine.New(d.store, d.reg, events.NewPublisher(d.rdb, d.cfg.RedisPrefix), logger, engine.Options{
		MaxRuns: *calls + 64, MaxNodes: *calls + 128, PollInterval: 100 * time.Millisecond,
		Credentials: credentials.WithOperatorKeys(noUserCreds, keys), OnRunEnd: ends.onEnd})
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer eng.Stop()
	u, err := d.store.UserCreate(ctx, db.NewUser{Email: fmt.Sprintf("bench-ai-%s@example.com", uuid.NewString()[:8])})
	if err != nil {
		return err
	}
	if _, err := d.store.CreditAdd(ctx, u.ID, 1_000_000_000, "BONUS", "AI bench"); err != nil {
		return err
	}
	b := &bencher{d: d, eng: eng, user: u}
	chain, err := b.chain(ctx, *chainNodes)
	if err != nil {
		return err
	}
	aiGraph, err := b.aiGraph(ctx)
	if err != nil {
		return err
	}
	sub, err := newFirstTokenWatch(ctx, d, stub)
	if err != nil {
		return err
	}
	defer sub.close()

	runChain := func() (time.Duration, error) {
		t0 := time.Now()
		ex, err := eng.Submit(ctx, u.ID, chain.ID, 0, nil, model.UserContext{})
		if err != nil {
			return 0, err
		}
		if st := ends.wait(ctx, ex.ID.String()); st != model.StatusCompleted {
			return 0, fmt.Errorf("chain run %s ended %s", ex.ID, st)
		}
		return time.Since(t0), nil
	}
	var idle []time.Duration
	for range *idleRuns {
		l, err := runChain()
		if err != nil {
			return err
		}
		idle = append(idle, l)
	}

	runtime.GC()
	base := inUse()
	start := time.Now()
	ids := make([]string, *calls)
	errs := make(chan error, *calls)
	for i := range *calls {
		go func() {
			ex, err := eng.Submit(ctx, u.ID, aiGraph.ID, 0, map[string]any{"q": fmt.Sprintf("bench-%d", i)}, model.UserContext{})
			if err == nil {
				ids[i] = ex.ID.String()
			}
			errs <- err
		}()
	}
	for range *calls {
		if err := <-errs; err != nil {
			return err
		}
	}
	// All calls in flight: the memory they hold, then the chain under load
	// until they are over.
	open, err := stub.waitInFlight(ctx, *calls, time.Minute)
	if err != nil {
		return err
	}
	runtime.GC()
	peak := inUse()
	open = max(open, int(stub.inFlight.Load()))
	var loaded []time.Duration
	var aiDone atomic.Bool
	allEnded := make(chan error, 1)
	go func() {
		for _, id := range ids {
			if st := ends.wait(ctx, id); st != model.StatusCompleted {
				allEnded <- fmt.Errorf("AI run %s ended %s", id, st)
				aiDone.Store(true)
				return
			}
		}
		aiDone.Store(true)
		allEnded <- nil
	}()
	for !aiDone.Load() {
		l, err := runChain()
		if err != nil {
			return err
		}
		loaded = append(loaded, l)
	}
	if err := <-allEnded; err != nil {
		return err
	}
	wall := time.Since(start)

	overhead, err := b.aiOverhead(ctx, aiGraph, ids, stub)
	if err != nil {
		return err
	}
	firsts := sub.latencies()
	p := func(ds []time.Duration, q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(float64(len(ds))*q))]
	}
	perCall := float64(peak-base) / float64(max(open, 1)) / 1024
	fmt.Printf("agentgraph-bench ai — %d AI runs at once against a stub answering in %s (first token at once), one engine\n", *calls, *delay)
	fmt.Printf("all %d AI runs completed in %s; at most %d calls were open at the stub at once\n", *calls, wall.Round(time.Millisecond), stub.peak.Load())
	idleP50, loadedP50 := p(idle, 0.5), p(loaded, 0.5)
	fmt.Printf("%d-node plain chain p50: idle %s (%d runs), with the AI calls in flight %s (%d runs): ×%.2f (target ≤ 1.5)\n",
		*chainNodes, idleP50.Round(100*time.Microsecond), len(idle), loadedP50.Round(100*time.Microsecond), len(loaded),
		float64(loadedP50)/float64(max(idleP50, 1)))
	fmt.Printf("memory per in-flight call (heap + stacks grown with %d calls open, this process incl. the stub's side): %.1f KiB (target ≤ 64)\n", open, perCall)
	fmt.Printf("first token: stub write → Redis subscriber, %d calls: p50 %s, p99 %s, max %s (target p99 ≤ 20 ms to the websocket frame)\n",
		len(firsts), p(firsts, 0.5).Round(10*time.Microsecond), p(firsts, 0.99).Round(10*time.Microsecond), p(firsts, 1).Round(10*time.Microsecond))
	fmt.Printf("AI block overhead beyond the stub's time, %d nodes: p50 %s, p99 %s (target p50 ≤ 1 ms)\n",
		len(overhead), p(overhead, 0.5).Round(10*time.Microsecond), p(overhead, 0.99).Round(10*time.Microsecond))
	return nil
}

// inUse is the heap and goroutine stacks in use.
func inUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// aiGraph: AgentInputBlock q → AITextGeneratorBlock (gpt-4o-mini) → AgentOutputBlock a.
func (b *bencher) aiGraph(ctx context.Context) (*model.FullGraph, error) {
	id := func(name string) string {
		blk, _ := b.d.reg.ByName(name)
		return blk.Info().ID
	}
	spec := &model.GraphSpec{Name: "bench-ai-" + uuid.NewString()[:8],
		Nodes: []model.NodeSpec{
			{Key: "in", BlockID: id("AgentInputBlock"), InputDefault: map[string]any{"name": "q"}},
			{Key: "ai", BlockID: id("AITextGeneratorBlock"), InputDefault: map[string]any{"model": "gpt-4o-mini", "max_tokens": 16, "retry": 1}},
			{Key: "out", BlockID: id("AgentOutputBlock"), InputDefault: map[string]any{"name": "a"}}},
		Links: []model.LinkSpec{
			{SourceKey: "in", SourceName: "result", SinkKey: "ai", SinkName: "prompt"},
			{SourceKey: "ai", SourceName: "response", SinkKey: "out", SinkName: "value"}}}
	return b.save(ctx, spec)
}

// aiOverhead is each AI node's run time (its block's, as stored) less the
// stub's time on its request, matched by prompt.
func (b *bencher) aiOverhead(ctx context.Context, fg *model.FullGraph, ids []string, stub *aiStub) ([]time.Duration, error) {
	var aiNode uuid.UUID
	for _, n := range fg.Nodes {
		if n.Key == "ai" {
			aiNode = n.ID
		}
	}
	rows, err := b.d.pool.Query(ctx, `SELECT inputs->>'prompt', (stats->>'execution_time')::float8 FROM node_executions
		WHERE node_id = $1 AND status = 'COMPLETED'`, aiNode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var prompt string
		var secs float64
		if err := rows.Scan(&prompt, &secs); err != nil {
			return nil, err
		}
		if took, ok := stub.took(prompt); ok {
			out = append(out, time.Duration(secs*float64(time.Second))-took)
		}
	}
	return out, rows.Err()
}

// aiStub is an OpenAI-compatible Chat Completions server: it streams the
// prompt back as the first token at once, then after delay the rest, the
// finish and the usage.
type aiStub struct {
	srv      *httptest.Server
	delay    time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
	mu       sync.Mutex
	first    map[string]time.Time     // prompt → when its first token was written
	spent    map[string]time.Duration // prompt → the stub's time on the request
}

func newAIStub(delay time.Duration) *aiStub {
	s := &aiStub{delay: delay, first: map[string]time.Time{}, spent: map[string]time.Duration{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.srv.Config.MaxHeaderBytes = 1 << 16
	return s
}

func (s *aiStub) serve(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	if n := s.inFlight.Add(1); n > s.peak.Load() {
		s.peak.Store(n) // racy max: a report figure, not a decision
	}
	defer s.inFlight.Add(-1)
	var body struct {
		Model    string `json:"model"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	prompt := ""
	if len(body.Messages) > 0 {
		prompt = body.Messages[len(body.Messages)-1].Content
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	chunk := func(delta string, finish any) {
		raw, _ := json.Marshal(map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
			"model": body.Model, "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": delta}, "finish_reason": finish}}})
		fmt.Fprintf(w, "data: %s\n\n", raw)
		f.Flush()
	}
	chunk(prompt, nil)
	s.mu.Lock()
	s.first[prompt] = time.Now()
	s.mu.Unlock()
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return
	}
	chunk(" answered", nil)
	chunk("", "stop")
	raw, _ := json.Marshal(map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
		"model": body.Model, "choices": []any{}, "usage": map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
	fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", raw)
	f.Flush()
	s.mu.Lock()
	s.spent[prompt] = time.Since(t0)
	s.mu.Unlock()
}

func (s *aiStub) took(prompt string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.spent[prompt]
	return d, ok
}

func (s *aiStub) firstAt(prompt string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.first[prompt]
	return t, ok
}

// waitInFlight waits until n requests are open at the stub at once, or
// until their number, having risen, falls again (the first answers came
// back before the last calls arrived); it returns how many were open.
func (s *aiStub) waitInFlight(ctx context.Context, n int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	peak := int64(0)
	for {
		cur := s.inFlight.Load()
		peak = max(peak, cur)
		if cur >= int64(n) || (peak > 0 && cur < peak*9/10) {
			return int(cur), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("only %d of %d calls reached the stub at once", peak, n)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond): // polling a counter, not waiting for work
		}
	}
}

// firstTokenWatch is a Redis subscriber of every run channel, as an API
// process's hub is: it times each run's first delta from the stub's write.
type firstTokenWatch struct {
	stub   *aiStub
	ps     interface{ Close() error }
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	got    map[string]time.Time // prompt → when its first delta arrived
}

func newFirstTokenWatch(ctx context.Context, d *deps, stub *aiStub) (*firstTokenWatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	ps := d.rdb.PSubscribe(ctx, d.cfg.RedisPrefix+"exec:*")
	if _, err := ps.Receive(ctx); err != nil {
		cancel()
		return nil, err
	}
	w := &firstTokenWatch{stub: stub, ps: ps, cancel: cancel, done: make(chan struct{}), got: map[string]time.Time{}}
	go func() {
		defer close(w.done)
		for msg := range ps.Channel() {
			at := time.Now()
			evs, err := events.Decode([]byte(msg.Payload))
			if err != nil {
				continue
			}
			for _, ev := range evs {
				if ev.Kind != events.KindNodeOutputDelta || ev.Offset != 0 {
					continue
				}
				var text string
				if json.Unmarshal(ev.Value, &text) == nil && strings.HasPrefix(text, "bench-") {
					w.mu.Lock()
					if _, seen := w.got[text]; !seen {
						w.got[text] = at
					}
					w.mu.Unlock()
				}
			}
		}
	}()
	return w, nil
}

func (w *firstTokenWatch) latencies() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Duration
	for prompt, at := range w.got {
		if t0, ok := w.stub.firstAt(prompt); ok {
			out = append(out, at.Sub(t0))
		}
	}
	return out
}

func (w *firstTokenWatch) close() {
	w.cancel()
	_ = w.ps.Close() // ends its channel, and so the reader
	<-w.done
}
