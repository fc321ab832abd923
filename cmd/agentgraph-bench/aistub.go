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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The ai bench's provider stub runs in a process of its own (this binary
// re-executed with aiStubEnv set), so the memory the bench reads from the
// server is the engine's alone and the stub's goroutines and buffers do not
// compete with it inside one Go runtime.

// aiStubEnv, when set in the environment, makes this binary the stub: its
// value is the answer time (a time.Duration) after the first token.
const aiStubEnv = "AGENTGRAPH_BENCH_AI_STUB"

// aiSoloPrefix starts the prompts of calls the stub answers at once: the
// bench's calls one at a time on the idle server.
const aiSoloPrefix = "solo-"

func init() {
	if v := os.Getenv(aiStubEnv); v != "" {
		delay, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", aiStubEnv, err)
			os.Exit(2)
		}
		os.Exit(runAIStub(delay))
	}
}

// aiStubTimes are one request's wall-clock instants, Unix nanoseconds (the
// bench compares them with its own clock: one machine, one clock).
type aiStubTimes struct {
	Arrived int64 `json:"arrived"` // its handler started (headers read)
	First   int64 `json:"first"`   // its first token was flushed
	Last    int64 `json:"last"`    // its last byte was flushed
}

// aiStubServer is an OpenAI-compatible Chat Completions server: each
// request's first token (the prompt itself) is held until the bench
// releases it (POST /release with the prompt: its subscriber is listening
// by then; or POST /release-paced, many at a steady rate), then sent at once; delay later come the rest, the finish and
// the usage. A prompt starting with aiSoloPrefix is answered at once, whole. GET /stats answers the calls open and each prompt's times.
type aiStubServer struct {
	delay    time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
	mu       sync.Mutex
	release  map[string]chan struct{}
	times    map[string]*aiStubTimes
}

func runAIStub(delay time.Duration) int {
	s := &aiStubServer{delay: delay, release: map[string]chan struct{}{}, times: map[string]*aiStubTimes{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.complete)
	mux.HandleFunc("POST /release", func(w http.ResponseWriter, r *http.Request) {
		prompt, _ := io.ReadAll(r.Body)
		close(s.gate(string(prompt)))
	})
	// POST /release-paced?rate=N with prompts one per line: released in
	// that order, N a second, paced here (one request for all of them, so
	// the bench's releases cost neither side a request each).
	mux.HandleFunc("POST /release-paced", func(w http.ResponseWriter, r *http.Request) {
		rate, err := strconv.Atoi(r.URL.Query().Get("rate"))
		body, _ := io.ReadAll(r.Body)
		if err != nil || rate <= 0 {
			http.Error(w, "rate: a positive number of releases a second", http.StatusBadRequest)
			return
		}
		prompts := strings.Split(strings.TrimSpace(string(body)), "\n")
		go func() {
			start := time.Now()
			for i, p := range prompts {
				if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
					time.Sleep(wait)
				}
				close(s.gate(p))
			}
		}()
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"in_flight": s.inFlight.Load(), "peak": s.peak.Load(), "times": s.times})
	})
	fmt.Printf("listening http://%s\n", ln.Addr())
	// The bench closes our stdin to stop us.
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// gate is prompt's release channel, made by whichever comes first: the
// request or its release.
func (s *aiStubServer) gate(prompt string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.release[prompt]
	if !ok {
		ch = make(chan struct{})
		s.release[prompt] = ch
	}
	return ch
}

func (s *aiStubServer) complete(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
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
	f.Flush()
	chunk := func(delta string, finish any) {
		raw, _ := json.Marshal(map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
			"model": body.Model, "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": delta}, "finish_reason": finish}}})
		fmt.Fprintf(w, "data: %s\n\n", raw)
		f.Flush()
	}
	solo := strings.HasPrefix(prompt, aiSoloPrefix)
	if !solo {
		select {
		case <-s.gate(prompt):
		case <-r.Context().Done():
			return
		}
	}
	chunk(prompt, nil)
	first := time.Now()
	if !solo {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	chunk(" answered", nil)
	chunk("", "stop")
	raw, _ := json.Marshal(map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
		"model": body.Model, "choices": []any{}, "usage": map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})
	fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", raw)
	f.Flush()
	last := time.Now()
	s.mu.Lock()
	s.times[prompt] = &aiStubTimes{Arrived: arrived.UnixNano(), First: first.UnixNano(), Last: last.UnixNano()}
	s.mu.Unlock()
}

// aiStub is the bench's handle on the stub process.
type aiStub struct {
	base  string // http://127.0.0.1:port
	cmd   *exec.Cmd
	stdin io.Closer
	http  *http.Client
}

// newAIStubClient is the bench's client to the stub: it releases up to 32
// prompts at once, which the default client's 2 idle connections per host
// made mostly fresh dials (the bench's own CPU, on the server's 2 cores).
func newAIStubClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}

// launchAIStub re-executes this binary as the stub and returns once it listens.
func launchAIStub(delay time.Duration) (*aiStub, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), aiStubEnv+"="+delay.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the AI stub did not start: %q %v", line, err)
	}
	return &aiStub{base: base, cmd: cmd, stdin: in, http: newAIStubClient()}, nil
}

func (s *aiStub) stop() {
	_ = s.stdin.Close()
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func (s *aiStub) releasePrompt(ctx context.Context, prompt string) error {
	return s.post(ctx, "/release", prompt)
}

// releasePaced has the stub release prompts, in order, rate a second.
func (s *aiStub) releasePaced(ctx context.Context, prompts []string, rate int) error {
	return s.post(ctx, fmt.Sprintf("/release-paced?rate=%d", rate), strings.Join(prompts, "\n"))
}

// post sends the stub body at path and expects 200.
func (s *aiStub) post(ctx context.Context, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if err := resp.Body.Close(); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stub %s: %s", path, resp.Status)
	}
	return nil
}

type aiStubStats struct {
	InFlight int64                   `json:"in_flight"`
	Peak     int64                   `json:"peak"`
	Times    map[string]*aiStubTimes `json:"times"`
}

func (s *aiStub) stats(ctx context.Context) (*aiStubStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/stats", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st aiStubStats
	return &st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitInFlight waits until n requests are open at the stub at once (they
// are held there until released).
func (s *aiStub) waitInFlight(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, err := s.stats(ctx)
		if err != nil {
			return err
		}
		if st.InFlight >= int64(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d calls reached the stub", st.InFlight, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond): // polling a counter, not waiting for work
		}
	}
}
