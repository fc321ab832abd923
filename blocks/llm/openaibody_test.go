package llm

import (
	"encoding/json"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/sjson"
)

// sdkRequestBody is req's request as the SDK encodes it (its params, and
// "stream" set as option.WithJSONSet does): the reference for ours.
func sdkRequestBody(t *testing.T, req Request) []byte {
	params := openai.ChatCompletionNewParams{
		Model:         shared.ChatModel(req.Model),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if req.System != "" {
		params.Messages = append(params.Messages, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		switch m.Role {
		case RoleAssistant:
			a := openai.ChatCompletionAssistantMessageParam{}
			if m.Content != "" {
				a.Content.OfString = openai.String(m.Content)
			}
			for _, tc := range m.ToolCalls {
				a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
					OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{ID: tc.ID,
						Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: tc.Name, Arguments: tc.Arguments}}})
			}
			params.Messages = append(params.Messages, openai.ChatCompletionMessageParamUnion{OfAssistant: &a})
		case RoleTool:
			params.Messages = append(params.Messages, openai.ToolMessage(m.Content, m.ToolCallID))
		case "system":
			params.Messages = append(params.Messages, openai.SystemMessage(m.Content))
		default:
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	if req.MaxTokens > 0 {
		params.MaxCompletionTokens = openai.Int(req.MaxTokens)
	}
	if req.JSON && len(req.Tools) == 0 {
		params.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}
	}
	for _, tl := range req.Tools {
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: tl.Name, Description: openai.String(tl.Description), Parameters: shared.FunctionParameters(tl.Parameters)}))
	}
	raw, err := params.MarshalJSON()
	require.NoError(t, err)
	raw, err = sjson.SetBytes(raw, "stream", true)
	require.NoError(t, err)
	return raw
}

// Our encoding of every kind of request the blocks make is the SDK's.
func TestOpenAIRequestBodyIsTheSDKs(t *testing.T) {
	t.Parallel()
	tool := Tool{Name: "lookup", Description: "Look a word up", Parameters: map[string]any{
		"type": "object", "properties": map[string]any{"word": map[string]any{"type": "string"}}, "required": []any{"word"}}}
	for name, req := range map[string]Request{
		"plain":           {Model: "gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "hi"}}},
		"system, limit":   {Model: "gpt-4o", System: "be brief", MaxTokens: 50, Messages: []Message{{Role: RoleUser, Content: "hi"}}},
		"empty prompt":    {Model: "gpt-4o", Messages: []Message{{Role: RoleUser, Content: ""}}},
		"json":            {Model: "gpt-4.1", JSON: true, Messages: []Message{{Role: RoleUser, Content: "{\"a\":1} <&>"}}},
		"conversation":    {Model: "gpt-4.1", Messages: []Message{{Role: "system", Content: "s"}, {Role: RoleUser, Content: "q"}, {Role: RoleAssistant, Content: "a"}, {Role: RoleUser, Content: "q2"}}},
		"tools":           {Model: "gpt-4o", JSON: true, Tools: []Tool{tool, {Name: "noop", Description: ""}}, Messages: []Message{{Role: RoleUser, Content: "define x"}}},
		"tool calls back": {Model: "gpt-4o", Tools: []Tool{tool}, Messages: []Message{{Role: RoleUser, Content: "define x"}, {Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"word":"x"}`}}}, {Role: RoleTool, Content: "x: a letter", ToolCallID: "call_1"}, {Role: RoleAssistant, Content: "thinking", ToolCalls: []ToolCall{{ID: "call_2", Name: "noop", Arguments: "{}"}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			ours, err := openAIRequestBody(&req)
			require.NoError(t, err)
			var got, want any
			require.NoError(t, json.Unmarshal(ours, &got))
			require.NoError(t, json.Unmarshal(sdkRequestBody(t, req), &want))
			require.Equal(t, want, got)
		})
	}
}
