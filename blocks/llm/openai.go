package llm

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// openAIProvider speaks Chat Completions, streamed, to OpenAI or any
// compatible server (the base URL decides which).
type openAIProvider struct {
	name   string
	client openai.Client
}

func newOpenAI(c Config) *openAIProvider {
	opts := []option.RequestOption{
		option.WithAPIKey(c.APIKey),
		// The client retries 408/409/429/5xx and connection errors with
		// exponential backoff, waiting what Retry-After(-Ms) says when the
		// server says it.
		option.WithMaxRetries(c.MaxRetries),
		option.WithRequestTimeout(c.Timeout),
	}
	if c.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(c.BaseURL))
	}
	if c.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(c.HTTPClient))
	}
	return &openAIProvider{name: c.Provider, client: openai.NewClient(opts...)}
}

// start sends the request. It is its own function, kept out of line, so
// that its frame is off the stack while the stream is read: a goroutine
// waiting on a model keeps only what it needs.
//
//go:noinline
func (p *openAIProvider) start(ctx context.Context, req *Request) *ssestream.Stream[openAIChunk] {
	body, err := openAIRequestBody(req)
	if err != nil {
		return ssestream.NewStream[openAIChunk](nil, err)
	}
	var raw *http.Response
	err = p.client.Post(ctx, "chat/completions", body, &raw)
	return ssestream.NewStream[openAIChunk](newSSEDecoder(raw), err)
}

// openAIChunk is what the blocks read of a streamed chat.completion.chunk.
type openAIChunk struct {
	Choices []struct {
		Index int64 `json:"index"`
		Delta struct {
			Content   string `json:"content"`
			ToolCalls []struct {
				Index    int64  `json:"index"`
				ID       string `json:"id"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
	} `json:"usage"`
}

func (p *openAIProvider) Stream(ctx context.Context, req Request, onText func(string)) (*Response, error) {
	stream := p.start(ctx, &req)
	defer stream.Close()

	var (
		text     strings.Builder
		calls    []ToolCall // by the chunks' tool-call index
		usage    Usage
		gotUsage bool
		finish   string
	)
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Usage != nil && (chunk.Usage.PromptTokens > 0 || chunk.Usage.CompletionTokens > 0) {
			usage = Usage{InputTokens: chunk.Usage.PromptTokens, OutputTokens: chunk.Usage.CompletionTokens}
			gotUsage = true
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if d := ch.Delta.Content; d != "" {
				text.WriteString(d)
				if onText != nil {
					onText(d)
				}
			}
			for _, tc := range ch.Delta.ToolCalls {
				i := int(tc.Index)
				if i < 0 || i > 128 {
					continue
				}
				for len(calls) <= i {
					calls = append(calls, ToolCall{})
				}
				if tc.ID != "" {
					calls[i].ID = tc.ID
				}
				if tc.Function.Name != "" {
					calls[i].Name = tc.Function.Name
				}
				calls[i].Arguments += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	if err := stream.Err(); err != nil {
		return nil, p.error(ctx, err)
	}
	if finish == "" {
		return nil, ErrIncomplete
	}
	calls = slices.DeleteFunc(calls, func(c ToolCall) bool { return c.Name == "" })
	resp := &Response{Text: text.String(), ToolCalls: calls, Usage: usage, StopReason: finish}
	if !gotUsage {
		est, _ := PromptTokens(req)
		resp.Usage = Usage{InputTokens: est, OutputTokens: EstimateTokens(resp.Text), Estimated: true}
	}
	return resp, nil
}

// error turns the client's error into one that carries the provider's
// message and status, and no request headers (the key).
func (p *openAIProvider) error(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		msg := apiErr.Message
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		return &APIError{Provider: p.name, Status: apiErr.StatusCode, Message: msg}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New(p.name + ": the request timed out")
	}
	return errors.New(p.name + ": " + err.Error())
}
