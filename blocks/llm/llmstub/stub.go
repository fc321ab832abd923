// Package llmstub is a test double of the model providers: an HTTP server
// speaking OpenAI's Chat Completions and Anthropic's Messages wire formats
// (server-sent events, usage, tool calls, error bodies, Retry-After), so
// tests exercise the real SDK clients end to end. Only tests import it.
package llmstub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Reply is what the stub answers to one request.
type Reply struct {
	Status     int    // non-200: an error body with Message
	Message    string // the error's message
	RetryAfter string // Retry-After header of an error
	Chunks     []string
	ToolCalls  []ToolCall
	Input      int64 // usage reported (0 and NoUsage: none)
	Output     int64
	NoUsage    bool
	// CutAfter > 0: the stream stops after that many text chunks, with no
	// finish (a connection cut halfway).
	CutAfter int
	// Gate, if set, holds the stream after the first text chunk until it is
	// closed: a test sees the first deltas before the answer completes.
	Gate chan struct{}
}

// ToolCall is a tool call the stub's model makes.
type ToolCall struct {
	ID, Name, Arguments string
}

// Seen is one request the stub received.
type Seen struct {
	Path          string
	Authorization string // OpenAI's Bearer header
	APIKey        string // Anthropic's x-api-key header
	Body          map[string]any
}

// Stub is a running provider double.
type Stub struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []Seen
	reply func(n int, s Seen) Reply
}

// New starts a stub answering request n (0-based, across both APIs) with reply(n, …).
func New(reply func(n int, s Seen) Reply) *Stub {
	s := &Stub{reply: reply}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.openAI)
	mux.HandleFunc("POST /v1/messages", s.anthropic)
	s.Server = httptest.NewServer(mux)
	return s
}

// OpenAIBaseURL is the base URL to give an OpenAI client (OPENAI_BASE_URL).
func (s *Stub) OpenAIBaseURL() string { return s.URL + "/v1" }

// AnthropicBaseURL is the base URL to give an Anthropic client.
func (s *Stub) AnthropicBaseURL() string { return s.URL }

// Seen returns the requests received so far.
func (s *Stub) Seen() []Seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Seen(nil), s.seen...)
}

func (s *Stub) next(r *http.Request) (Reply, Seen) {
	seen := Seen{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), APIKey: r.Header.Get("X-Api-Key")}
	_ = json.NewDecoder(r.Body).Decode(&seen.Body)
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, seen)
	s.mu.Unlock()
	return s.reply(n, seen), seen
}

func writeError(w http.ResponseWriter, rep Reply, anthropic bool) {
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.Status)
	if anthropic {
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": "api_error", "message": rep.Message}})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": rep.Message, "type": "invalid_request_error", "code": nil, "param": nil}})
}

func sse(w http.ResponseWriter, event string, v any) {
	raw, _ := json.Marshal(v)
	if event != "" {
		fmt.Fprintf(w, "event: %s\n", event)
	}
	fmt.Fprintf(w, "data: %s\n\n", raw)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func startStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// openAI answers POST /v1/chat/completions as a stream of chat.completion.chunk.
func (s *Stub) openAI(w http.ResponseWriter, r *http.Request) {
	rep, seen := s.next(r)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		writeError(w, rep, false)
		return
	}
	model, _ := seen.Body["model"].(string)
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}}}
	}
	startStream(w)
	sse(w, "", chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, c := range rep.Chunks {
		if rep.CutAfter > 0 && i >= rep.CutAfter {
			return // cut: no finish, no [DONE]
		}
		sse(w, "", chunk(map[string]any{"content": c}, nil))
		if i == 0 && rep.Gate != nil {
			select {
			case <-rep.Gate:
			case <-r.Context().Done():
				return
			}
		}
	}
	finish := "stop"
	for i, tc := range rep.ToolCalls {
		sse(w, "", chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": tc.ID, "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": ""}}}}, nil))
		sse(w, "", chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i,
			"function": map[string]any{"arguments": tc.Arguments}}}}, nil))
		finish = "tool_calls"
	}
	sse(w, "", chunk(map[string]any{}, finish))
	if !rep.NoUsage {
		sse(w, "", map[string]any{"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
			"choices": []any{}, "usage": map[string]any{"prompt_tokens": rep.Input, "completion_tokens": rep.Output,
				"total_tokens": rep.Input + rep.Output}})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// anthropic answers POST /v1/messages as Anthropic's event stream.
func (s *Stub) anthropic(w http.ResponseWriter, r *http.Request) {
	rep, seen := s.next(r)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		writeError(w, rep, true)
		return
	}
	model, _ := seen.Body["model"].(string)
	startStream(w)
	sse(w, "message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_stub", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": rep.Input, "output_tokens": 1}}})
	sse(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	for i, c := range rep.Chunks {
		if rep.CutAfter > 0 && i >= rep.CutAfter {
			return
		}
		sse(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": c}})
		if i == 0 && rep.Gate != nil {
			select {
			case <-rep.Gate:
			case <-r.Context().Done():
				return
			}
		}
	}
	sse(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	stop := "end_turn"
	for i, tc := range rep.ToolCalls {
		idx := i + 1
		sse(w, "content_block_start", map[string]any{"type": "content_block_start", "index": idx,
			"content_block": map[string]any{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": map[string]any{}}})
		sse(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": tc.Arguments}})
		sse(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		stop = "tool_use"
	}
	sse(w, "message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": rep.Output}})
	sse(w, "message_stop", map[string]any{"type": "message_stop"})
}
