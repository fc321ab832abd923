// Package llm is the blocks' one way to language models: a Provider streams
// one chat completion, whoever serves it. OpenAI-compatible servers (OpenAI,
// Ollama, vLLM, LM Studio, OpenRouter, Groq) go through the official
// openai-go client, Anthropic through anthropic-sdk-go; both clients retry
// 429 and 5xx answers with backoff, honouring Retry-After (configured, not
// hand-written: see clientOptions). The package knows nothing of the engine
// or of credits: it reports the provider's own token usage, and the blocks
// price it from the model registry (models.go).
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Roles of a Message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool" // the result of a tool call (ToolCallID says which)
)

// Message is one turn of a conversation.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`   // assistant turns that called tools
	ToolCallID string     `json:"tool_call_id,omitempty"` // tool turns: the call answered
}

// Tool is a function the model may call; Parameters is a JSON Schema object.
type Tool struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
}

// ToolCall is the model's request to call a tool; Arguments is JSON text.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Request is one chat completion.
type Request struct {
	Model     string
	System    string
	Messages  []Message
	MaxTokens int64
	Tools     []Tool
	// JSON asks for a JSON object answer where the provider supports it
	// (OpenAI's response_format json_object; ignored by Anthropic).
	JSON bool
}

// Usage is the provider's own count of tokens for one call.
type Usage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	// Estimated: the provider reported no usage (some OpenAI-compatible
	// servers do not), so the counts are estimates (EstimateTokens).
	Estimated bool `json:"estimated,omitempty"`
}

// Response is a completed call: the whole text, the tool calls, the usage.
type Response struct {
	Text       string
	ToolCalls  []ToolCall
	Usage      Usage
	StopReason string
}

// Provider streams one completion. onText, if set, gets each piece of text
// as it arrives, in order. Stream returns only a complete answer: a stream
// that ends before the provider said it finished is an error
// (ErrIncomplete), never a truncated Response. Cancelling ctx aborts the
// HTTP stream.
type Provider interface {
	Stream(ctx context.Context, req Request, onText func(string)) (*Response, error)
}

// ErrIncomplete: the stream ended before the model finished its answer.
var ErrIncomplete = errors.New("the provider's stream ended before the answer was complete")

// Config builds a Provider.
type Config struct {
	Provider string // "openai", "anthropic" or "ollama" (OpenAI-compatible)
	APIKey   string
	BaseURL  string // "" = the provider's default
	// HTTPClient carries the SSRF guard for user-supplied base URLs (nil:
	// http.DefaultClient, for operator-set ones).
	HTTPClient *http.Client
	MaxRetries int           // retries of 429/5xx/connection errors (default 3; <0 none)
	Timeout    time.Duration // per attempt, streaming included (default 5m)
}

// DefaultOllamaBaseURL is where an "ollama" credential without a base URL points.
const DefaultOllamaBaseURL = "http://localhost:11434/v1"

// New builds the provider for c.Provider.
func New(c Config) (Provider, error) {
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	// Base URLs are always explicit: the SDKs would otherwise read
	// OPENAI_BASE_URL / ANTHROPIC_BASE_URL from the environment themselves,
	// and a user's own key must go where the user's credential says.
	switch c.Provider {
	case "openai":
		if c.BaseURL == "" {
			c.BaseURL = "https://api.openai.com/v1/"
		}
		return newOpenAI(c), nil
	case "ollama":
		if c.BaseURL == "" {
			c.BaseURL = DefaultOllamaBaseURL
		}
		if c.APIKey == "" {
			c.APIKey = "ollama" // Ollama ignores the key; the client insists on one
		}
		return newOpenAI(c), nil
	case "anthropic":
		if c.BaseURL == "" {
			c.BaseURL = "https://api.anthropic.com/"
		}
		return newAnthropic(c), nil
	}
	return nil, fmt.Errorf("unknown model provider %q", c.Provider)
}

// APIError is a provider's refusal (4xx/5xx after retries), with the
// provider's own message and never the request's headers (the key).
type APIError struct {
	Provider string
	Status   int
	Message  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Message)
}
