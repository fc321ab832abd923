package llm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// anthropicProvider speaks the Messages API, streamed.
type anthropicProvider struct {
	client anthropic.Client
}

func newAnthropic(c Config) *anthropicProvider {
	opts := []option.RequestOption{
		option.WithAPIKey(c.APIKey),
		// Retries 408/409/429/5xx and connection errors with backoff,
		// honouring Retry-After(-Ms).
		option.WithMaxRetries(c.MaxRetries),
		option.WithRequestTimeout(c.Timeout),
	}
	if c.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(c.BaseURL))
	}
	if c.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(c.HTTPClient))
	}
	return &anthropicProvider{client: anthropic.NewClient(opts...)}
}

func (p *anthropicProvider) Stream(ctx context.Context, req Request, onText func(string)) (*Response, error) {
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = 4096 // required by the API
	}
	params := anthropic.MessageNewParams{Model: anthropic.Model(req.Model), MaxTokens: maxTokens, Messages: anthropicMessages(req)}
	if sys := anthropicSystem(req); sys != "" {
		params.System = []anthropic.TextBlockParam{{Text: sys}}
	}
	for _, t := range req.Tools {
		schema := anthropic.ToolInputSchemaParam{Properties: t.Parameters["properties"]}
		switch req := t.Parameters["required"].(type) {
		case []string:
			schema.Required = req
		case []any:
			for _, r := range req {
				if s, ok := r.(string); ok {
					schema.Required = append(schema.Required, s)
				}
			}
		}
		tool := anthropic.ToolParam{Name: t.Name, Description: anthropic.String(t.Description), InputSchema: schema}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: &tool})
	}
	stream := p.client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	var (
		msg      anthropic.Message
		text     strings.Builder
		started  bool
		stopped  bool
		accumErr error
	)
	for stream.Next() {
		ev := stream.Current()
		if accumErr == nil {
			accumErr = msg.Accumulate(ev)
		}
		switch ev.Type {
		case "message_start":
			started = true
		case "content_block_delta":
			if d := ev.Delta.Text; ev.Delta.Type == "text_delta" && d != "" {
				text.WriteString(d)
				if onText != nil {
					onText(d)
				}
			}
		case "message_stop":
			stopped = true
		}
	}
	if err := stream.Err(); err != nil {
		return nil, p.error(ctx, err)
	}
	if !started || !stopped {
		return nil, ErrIncomplete
	}
	if accumErr != nil {
		return nil, errors.New("anthropic: malformed stream: " + accumErr.Error())
	}
	resp := &Response{Text: text.String(), StopReason: string(msg.StopReason),
		Usage: Usage{InputTokens: msg.Usage.InputTokens + msg.Usage.CacheCreationInputTokens + msg.Usage.CacheReadInputTokens,
			OutputTokens: msg.Usage.OutputTokens}}
	for _, b := range msg.Content {
		if b.Type == "tool_use" {
			resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
		}
	}
	return resp, nil
}

func (p *anthropicProvider) error(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		msg := http.StatusText(apiErr.StatusCode)
		var body struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(apiErr.RawJSON()), &body) == nil && body.Error.Message != "" {
			msg = body.Error.Message
		}
		return &APIError{Provider: "anthropic", Status: apiErr.StatusCode, Message: msg}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("anthropic: the request timed out")
	}
	return errors.New("anthropic: " + err.Error())
}

// anthropicSystem joins the request's system prompt and any system turns:
// the Messages API takes the system prompt apart from the turns.
func anthropicSystem(req Request) string {
	parts := []string{}
	if req.System != "" {
		parts = append(parts, req.System)
	}
	for _, m := range req.Messages {
		if m.Role == "system" && m.Content != "" {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n\n")
}

func anthropicMessages(req Request) []anthropic.MessageParam {
	var out []anthropic.MessageParam
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			continue
		case RoleAssistant:
			var blocks []anthropic.ContentBlockParamUnion
			if m.Content != "" {
				blocks = append(blocks, anthropic.NewTextBlock(m.Content))
			}
			for _, tc := range m.ToolCalls {
				var in any = map[string]any{}
				_ = json.Unmarshal([]byte(tc.Arguments), &in)
				blocks = append(blocks, anthropic.NewToolUseBlock(tc.ID, in, tc.Name))
			}
			out = append(out, anthropic.NewAssistantMessage(blocks...))
		case RoleTool:
			out = append(out, anthropic.NewUserMessage(anthropic.NewToolResultBlock(m.ToolCallID, m.Content, false)))
		default:
			out = append(out, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}
	return out
}
