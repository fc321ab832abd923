package blocks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkAITextGeneratorOverhead is the block's own overhead beyond the
// provider's time (issue 12), without the engine: AITextGeneratorBlock.Run
// one call at a time on the operator's key against a server answering at
// once (three SSE chunks and the usage), its wall time less the server's
// time on the request (handler start → last byte flushed). Reported as
// overhead-µs/op; deltas go to a no-op, so the engine's live-text
// publishing (a Redis round trip per flush) is not in it — the serve bench
// (`agentgraph-bench ai --solo`) measures the node with it.
func BenchmarkAITextGeneratorOverhead(b *testing.B) {
	var mu sync.Mutex
	var provider time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, s := range []string{
			`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"an"},"finish_reason":null}]}`,
			`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" answer"},"finish_reason":null}]}`,
			`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
			`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", s)
			f.Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
		f.Flush()
		mu.Lock()
		provider += time.Since(t0)
		mu.Unlock()
	}))
	defer srv.Close()
	rc := &RunContext{AllowPrivateNetwork: true, Budget: 1 << 40, Spend: func(int64, string) {}, Delta: func(string, string) {},
		Credentials: map[string]Credential{"openai": {Provider: "openai", Secret: "sk-op", BaseURL: srv.URL + "/v1", Operator: true}}}
	blk := AITextGeneratorBlock()
	input := map[string]any{"prompt": "Say something", "model": "gpt-4o-mini", "max_tokens": 16, "retry": 1}
	emit := func(string, any) error { return nil }
	require.NoError(b, blk.Run(context.Background(), rc, input, emit)) // connection and client warmed
	provider = 0
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		require.NoError(b, blk.Run(context.Background(), rc, input, emit))
	}
	wall := time.Since(start)
	b.ReportMetric(float64(wall-provider)/float64(time.Microsecond)/float64(b.N), "overhead-µs/op")
}
