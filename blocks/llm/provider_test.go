package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
)

func provider(t *testing.T, s *llmstub.Stub, name string) llm.Provider {
	t.Helper()
	base := s.OpenAIBaseURL()
	if name == "anthropic" {
		base = s.AnthropicBaseURL()
	}
	p, err := llm.New(llm.Config{Provider: name, APIKey: "sk-test-key", BaseURL: base})
	require.NoError(t, err)
	return p
}

var hello = llm.Request{Model: "gpt-4o-mini", System: "be brief", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}, MaxTokens: 50}

// Both providers stream the text in order, report the provider's usage and
// send the key.
func TestStreamTextAndUsage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
				return llmstub.Reply{Chunks: []string{"Hel", "lo", " world"}, Input: 12, Output: 3}
			})
			defer s.Close()
			var pieces []string
			resp, err := provider(t, s, name).Stream(context.Background(), hello, func(d string) { pieces = append(pieces, d) })
			require.NoError(t, err)
			require.Equal(t, "Hello world", resp.Text)
			require.Equal(t, []string{"Hel", "lo", " world"}, pieces)
			require.Equal(t, llm.Usage{InputTokens: 12, OutputTokens: 3}, resp.Usage)
			seen := s.Seen()
			require.Len(t, seen, 1)
			if name == "openai" {
				require.Equal(t, "Bearer sk-test-key", seen[0].Authorization)
				require.Equal(t, float64(50), seen[0].Body["max_completion_tokens"])
				require.Equal(t, true, seen[0].Body["stream"])
			} else {
				require.Contains(t, []string{"sk-test-key", "Bearer sk-test-key"}, seen[0].APIKey+seen[0].Authorization)
				require.Equal(t, float64(50), seen[0].Body["max_tokens"])
				require.NotNil(t, seen[0].Body["system"])
			}
		})
	}
}

// Tool calls come back whole, arguments joined across chunks.
func TestStreamToolCalls(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
				return llmstub.Reply{ToolCalls: []llmstub.ToolCall{{ID: "call_1", Name: "add", Arguments: `{"a":1,"b":2}`}}, Input: 20, Output: 9}
			})
			defer s.Close()
			req := hello
			req.Tools = []llm.Tool{{Name: "add", Description: "adds", Parameters: map[string]any{"type": "object",
				"properties": map[string]any{"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"}}}}}
			resp, err := provider(t, s, name).Stream(context.Background(), req, nil)
			require.NoError(t, err)
			require.Len(t, resp.ToolCalls, 1)
			require.Equal(t, "add", resp.ToolCalls[0].Name)
			require.Equal(t, "call_1", resp.ToolCalls[0].ID)
			require.JSONEq(t, `{"a":1,"b":2}`, resp.ToolCalls[0].Arguments)
			require.NotEmpty(t, s.Seen()[0].Body["tools"])
		})
	}
}

// 401 fails at once with the provider's message and no key in it.
func TestUnauthorizedNotRetried(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
				return llmstub.Reply{Status: http.StatusUnauthorized, Message: "Incorrect API key provided"}
			})
			defer s.Close()
			_, err := provider(t, s, name).Stream(context.Background(), hello, nil)
			var apiErr *llm.APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, 401, apiErr.Status)
			require.Contains(t, err.Error(), "Incorrect API key provided")
			require.NotContains(t, err.Error(), "sk-test-key")
			require.Len(t, s.Seen(), 1)
		})
	}
}

// 429 with Retry-After is retried after the wait the server asked for.
func TestRateLimitRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := llmstub.New(func(n int, _ llmstub.Seen) llmstub.Reply {
				if n == 0 {
					return llmstub.Reply{Status: http.StatusTooManyRequests, Message: "slow down", RetryAfter: "1"}
				}
				if n == 1 {
					return llmstub.Reply{Status: http.StatusServiceUnavailable, Message: "overloaded", RetryAfter: "0"}
				}
				return llmstub.Reply{Chunks: []string{"ok"}, Input: 1, Output: 1}
			})
			defer s.Close()
			start := time.Now()
			resp, err := provider(t, s, name).Stream(context.Background(), hello, nil)
			require.NoError(t, err)
			require.Equal(t, "ok", resp.Text)
			require.Len(t, s.Seen(), 3)
			require.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After: 1 was not honoured")
		})
	}
}

// A stream cut halfway is an error, never a half answer.
func TestCutStreamIsIncomplete(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
				return llmstub.Reply{Chunks: []string{"half", " an", " answer"}, CutAfter: 2, Input: 5, Output: 3}
			})
			defer s.Close()
			resp, err := provider(t, s, name).Stream(context.Background(), hello, nil)
			require.Nil(t, resp)
			require.ErrorIs(t, err, llm.ErrIncomplete)
		})
	}
}

// Cancelling the context aborts the HTTP stream.
func TestCancelAbortsStream(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"openai", "anthropic"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			gate := make(chan struct{}) // never opened: only cancellation ends the stream
			s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
				return llmstub.Reply{Chunks: []string{"first", "never"}, Gate: gate}
			})
			defer s.Close()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := provider(t, s, name).Stream(ctx, hello, func(string) { cancel() })
				done <- err
			}()
			select {
			case err := <-done:
				require.True(t, errors.Is(err, context.Canceled), "got %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the stream was not aborted by the cancellation")
			}
		})
	}
}

// Without the provider's usage report, counts are estimated and say so.
func TestMissingUsageIsEstimated(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{strings.Repeat("word ", 40)}, NoUsage: true}
	})
	defer s.Close()
	resp, err := provider(t, s, "openai").Stream(context.Background(), hello, nil)
	require.NoError(t, err)
	require.True(t, resp.Usage.Estimated)
	require.Positive(t, resp.Usage.OutputTokens)
}

// One call after another reuses the provider's HTTP/1.1 connection: the
// response is read to its end after [DONE] (sseDecoder.Close), where
// closing it early dropped the connection now and then.
func TestCallsReuseTheConnection(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, s := range []string{
			`{"choices":[{"index":0,"delta":{"content":"an answer"},"finish_reason":null}]}`,
			`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
			`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}`,
			`[DONE]`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", s)
			w.(http.Flusher).Flush()
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	p, err := llm.New(llm.Config{Provider: "openai", APIKey: "sk-test-key", BaseURL: srv.URL + "/v1/", HTTPClient: client})
	require.NoError(t, err)
	for range 30 {
		resp, err := p.Stream(context.Background(), hello, nil)
		require.NoError(t, err)
		require.Equal(t, "an answer", resp.Text)
		time.Sleep(10 * time.Millisecond) // the body's end read meanwhile, as between a node's calls
	}
	require.Equal(t, int64(1), conns.Load(), "connections opened for 30 calls one after another")
}
