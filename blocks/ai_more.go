package blocks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/agentgraph/agentgraph/blocks/llm"
)

type aiSummarizerIn struct {
	Text         string `json:"text" jsonschema_description:"The text to summarize."`
	Focus        string `json:"focus" jsonschema:"default=general information" jsonschema_description:"The topic to focus on in the summary."`
	Style        string `json:"style" jsonschema:"enum=concise,enum=detailed,enum=bullet points,enum=numbered list,default=concise" jsonschema_description:"The style of the summary to generate."`
	ChunkOverlap int    `json:"chunk_overlap" jsonschema:"default=100,minimum=0" jsonschema_description:"The number of overlapping tokens (words) between chunks to maintain context."`
	aiCommon
}

type aiSummarizerOut struct {
	Summary string `json:"summary" jsonschema_description:"The final summary of the text."`
	Prompt  []any  `json:"prompt" jsonschema_description:"The prompt sent to the language model (the last call's)."`
}

// summaryChunkTokens is the chunk size (words, AutoGPT's token estimate) when
// max_tokens is not given.
const summaryChunkTokens = 4096

// maxSummaryChunks bounds the calls one summary makes (AutoGPT's MAX_CHUNKS).
const maxSummaryChunks = 100

// splitWords is AutoGPT's _split_text: chunks of size words, each starting
// size-overlap words after the previous one.
func splitWords(text string, size, overlap int) []string {
	if size < 1 {
		size = 1
	}
	if overlap >= size {
		overlap = max(0, size-1)
	}
	step := max(1, size-overlap)
	words := strings.Fields(text)
	var chunks []string
	for i := 0; i < len(words) && len(chunks) < maxSummaryChunks; i += step {
		chunks = append(chunks, strings.Join(words[i:min(len(words), i+size)], " "))
	}
	return chunks
}

func summaryChunkSize(maxTokens int64) int {
	if maxTokens <= 0 {
		return summaryChunkTokens
	}
	return int(maxTokens)
}

// AITextSummarizerBlock summarizes long text: split by token estimate,
// summarized per chunk, then the summaries combined (recursively while
// they are still too long).
func AITextSummarizerBlock() Block {
	reserve := func(input map[string]any, creds map[string]Credential) (int64, error) {
		size := summaryChunkSize(int64In(input, "max_tokens"))
		chunks := splitWords(strIn(input, "text"), size, intIn(input, "chunk_overlap", 100))
		longest := ""
		for _, c := range chunks {
			if len(c) > len(longest) {
				longest = c
			}
		}
		req := llm.Request{System: strings.Repeat(" ", 800), MaxTokens: int64In(input, "max_tokens"),
			Messages: []llm.Message{{Role: llm.RoleUser, Content: longest + strIn(input, "focus") + strings.Repeat(" ", 200)}}}
		// One structured call per chunk, each with up to 3 attempts, then the
		// combining calls: counted as as many calls again.
		return reserveCalls(input, creds, req, 3*2*max(1, len(chunks)), 0)
	}
	return Define[aiSummarizerIn, aiSummarizerOut](aiInfo("a0a69be1-4528-491c-a85a-a4ab6873e3f0", "AITextSummarizerBlock",
		"A block that summarizes long texts using a Large Language Model (LLM), with configurable focus topics and summary styles.", reserve),
		func(ctx context.Context, rc *RunContext, in aiSummarizerIn, emit Emit) error {
			a, err := newAIRun(rc, in.Model)
			if err != nil {
				return err
			}
			size := summaryChunkSize(in.MaxTokens)
			var last llm.Request
			ask := func(prompt, field, desc string) (string, error) {
				v, req, err := structured(ctx, a, structuredSpec{req: llm.Request{MaxTokens: in.MaxTokens,
					Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt}}}, format: map[string]string{field: desc}, retry: 3})
				last = req
				if err != nil {
					return "", err
				}
				s, ok := v.(map[string]any)[field].(string)
				if !ok {
					return "", fmt.Errorf("LLM generation failed: expected a string %s", field)
				}
				return s, nil
			}
			text := in.Text
			for depth := 0; ; depth++ {
				var summaries []string
				for _, c := range splitWords(text, size, in.ChunkOverlap) {
					s, err := ask(fmt.Sprintf("Summarize the following text in a %s form. Focus your summary on the topic of `%s` if present, otherwise just provide a general summary:\n\n```%s```", in.Style, in.Focus, c),
						"summary", "The summary of the given text.")
					if err != nil {
						return err
					}
					summaries = append(summaries, s)
				}
				combined := strings.Join(summaries, "\n\n")
				if len(strings.Fields(combined)) <= size || depth >= 3 {
					final, err := ask(fmt.Sprintf("Provide a final summary of the following section summaries in a %s form, focus your summary on the topic of `%s` if present:\n\n ```%s```\n\n Just respond with the final_summary in the format specified.", in.Style, in.Focus, combined),
						"final_summary", "The final summary of all provided summaries.")
					if err != nil {
						return err
					}
					if err := emit("summary", final); err != nil {
						return err
					}
					return emit("prompt", promptList(last))
				}
				text = combined
			}
		})
}

type aiConversationIn struct {
	Prompt   string `json:"prompt" jsonschema:"default=" jsonschema_description:"The prompt to send to the language model, after the messages."`
	Messages []any  `json:"messages" jsonschema_description:"List of messages in the conversation: objects with role (system, user, assistant) and content."`
	aiCommon
}

type aiConversationOut struct {
	Response string `json:"response" jsonschema_description:"The model's response to the conversation."`
	Prompt   []any  `json:"prompt" jsonschema_description:"The prompt sent to the language model."`
}

// AIConversationBlock continues a conversation; the answer streams live on
// the response pin.
func AIConversationBlock() Block {
	reserve := func(input map[string]any, creds map[string]Credential) (int64, error) {
		msgs, _ := input["messages"].([]any)
		return reserveCalls(input, creds, structuredRequest(strIn(input, "prompt"), "", nil, msgs, int64In(input, "max_tokens")), 1, 0)
	}
	return Define[aiConversationIn, aiConversationOut](aiInfo("32a87eab-381e-4dd4-bdb8-4c47151be35a", "AIConversationBlock",
		"A block that facilitates multi-turn conversations with a Large Language Model (LLM), maintaining context across message exchanges.", reserve),
		func(ctx context.Context, rc *RunContext, in aiConversationIn, emit Emit) error {
			req := structuredRequest(in.Prompt, "", nil, in.Messages, in.MaxTokens)
			hasContent := false
			for _, m := range req.Messages {
				hasContent = hasContent || strings.TrimSpace(m.Content) != ""
			}
			if !hasContent {
				return errors.New("cannot call the model with no messages and no prompt: provide at least one message or a non-empty prompt")
			}
			a, err := newAIRun(rc, in.Model)
			if err != nil {
				return err
			}
			resp, err := a.call(ctx, req, "response")
			if err != nil {
				return err
			}
			if err := emit("response", resp.Text); err != nil {
				return err
			}
			return emit("prompt", promptList(req))
		})
}

type aiListIn struct {
	Focus           string `json:"focus,omitempty" jsonschema_description:"The focus of the list to generate."`
	SourceData      string `json:"source_data,omitempty" jsonschema_description:"The data to generate the list from."`
	MaxRetries      int    `json:"max_retries" jsonschema:"default=3,minimum=1,maximum=5" jsonschema_description:"Maximum number of retries for generating a valid list."`
	ForceJSONOutput bool   `json:"force_json_output" jsonschema:"default=false" jsonschema_description:"Ask the model for a JSON-only response."`
	aiCommon
}

type aiListOut struct {
	GeneratedList []any  `json:"generated_list" jsonschema_description:"The generated list."`
	ListItem      string `json:"list_item" jsonschema_description:"Each individual item in the list, one value per item."`
	Prompt        []any  `json:"prompt" jsonschema_description:"The prompt sent to the language model."`
}

const listSystemPrompt = "You are a Python list generator. Your task is to generate a list based on the user's prompt. " +
	"Respond only with the list, in the format requested, with no other text."

func listPrompt(focus, source string) string {
	var p string
	switch {
	case focus != "":
		p = "Generate a list with the following focus:\n<focus>\n\n" + focus + "</focus>"
	case source != "":
		p = "Extract the main focus of the source data to a list.\ni.e if the source data is a news website, the focus would be the news stories rather than the social links in the footer."
	default:
		p = "Generate a random list."
	}
	if source != "" {
		return p + "\n\nUse the following source data to generate the list from:\n\n<source_data>\n\n" + source +
			"</source_data>\n\nDo not invent fictional data that is not present in the source data."
	}
	return p + "\n\nInvent the data to generate the list from."
}

// AIListGeneratorBlock asks a model for a list, then yields it whole and
// once per item.
func AIListGeneratorBlock() Block {
	reserve := func(input map[string]any, creds map[string]Credential) (int64, error) {
		req := llm.Request{System: listSystemPrompt + strings.Repeat(" ", 600), MaxTokens: int64In(input, "max_tokens"),
			Messages: []llm.Message{{Role: llm.RoleUser, Content: listPrompt(strIn(input, "focus"), strIn(input, "source_data"))}}}
		return reserveCalls(input, creds, req, intIn(input, "max_retries", 3), reask(modelMaxOut(input)))
	}
	return Define[aiListIn, aiListOut](aiInfo("9c0b0450-d199-458b-a731-072189dd6593", "AIListGeneratorBlock",
		"A block that creates lists of items based on prompts using a Large Language Model (LLM), with optional source data for context.", reserve),
		func(ctx context.Context, rc *RunContext, in aiListIn, emit Emit) error {
			a, err := newAIRun(rc, in.Model)
			if err != nil {
				return err
			}
			format := map[string]string{"list": "A JSON array containing the generated string values"}
			if in.ForceJSONOutput {
				format["reasoning"] = "... (optional)"
			}
			v, req, err := structured(ctx, a, structuredSpec{req: llm.Request{System: listSystemPrompt, MaxTokens: in.MaxTokens,
				Messages: []llm.Message{{Role: llm.RoleUser, Content: listPrompt(in.Focus, in.SourceData)}}},
				format: format, pureJSON: in.ForceJSONOutput, retry: in.MaxRetries})
			if err != nil {
				return err
			}
			items, ok := v.(map[string]any)["list"].([]any)
			if !ok {
				return fmt.Errorf("the model's list field is not a JSON array")
			}
			if err := emit("generated_list", items); err != nil {
				return err
			}
			if err := emit("prompt", promptList(req)); err != nil {
				return err
			}
			for _, it := range items {
				s, ok := it.(string)
				if !ok {
					s = fmt.Sprint(it)
				}
				if err := emit("list_item", s); err != nil {
					return err
				}
			}
			return nil
		})
}
