package blocks

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
)

// aiRC is a run context on the platform's key at the stub, with a budget,
// recording what was spent and streamed.
type aiRC struct {
	RunContext
	mu     sync.Mutex
	spent  int64
	notes  []string
	deltas []string
}

func newAIRC(s *llmstub.Stub, budget int64, operator bool) *aiRC {
	rc := &aiRC{}
	rc.RunContext = RunContext{AllowPrivateNetwork: true, Budget: budget,
		Credentials: map[string]Credential{
			"openai":    {Provider: "openai", Secret: "sk-op", BaseURL: s.OpenAIBaseURL(), Operator: operator},
			"anthropic": {Provider: "anthropic", Secret: "sk-ant", BaseURL: s.AnthropicBaseURL(), Operator: operator},
		}}
	rc.Spend = func(c int64, note string) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.spent += c
		rc.notes = append(rc.notes, note)
	}
	rc.Delta = func(pin, text string) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.deltas = append(rc.deltas, pin+":"+text)
	}
	return rc
}

func TestAIBlocksAreAI(t *testing.T) {
	for _, n := range []string{"AITextGeneratorBlock", "AIStructuredResponseGeneratorBlock", "AITextSummarizerBlock", "AIConversationBlock", "AIListGeneratorBlock"} {
		b, ok := Builtin().ByName(n)
		require.True(t, ok, n)
		require.Equal(t, TypeAI, b.Info().Type)
		require.Equal(t, []Category{CategoryAIML}, b.Info().Categories)
		require.Equal(t, CostToken, b.Info().Costs[0].Type)
		require.NotNil(t, b.Info().Reserve)
		require.Equal(t, []string{"anthropic"}, b.Info().ProvidersFor(map[string]any{"model": "claude-haiku-4-5"}))
	}
}

// The text streams as deltas on the response pin, the answer is emitted
// whole, {{values}} are filled in, and the call is priced from the registry.
func TestAITextGenerator(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"gpt-4o-mini", "claude-sonnet-4-5"} {
		s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
			return llmstub.Reply{Chunks: []string{"Bon", "jour"}, Input: 10000, Output: 2000}
		})
		defer s.Close()
		rc := newAIRC(s, 1000, true)
		in := map[string]any{"prompt": "Say hi to {{name}}", "model": model, "prompt_values": map[string]any{"name": "Ada"}}
		got, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", in)
		require.NoError(t, err)
		require.Equal(t, "response", got[0].Pin)
		require.Equal(t, "Bonjour", got[0].Value)
		require.Equal(t, "prompt", got[1].Pin)
		require.Contains(t, got[1].Value.([]any)[0].(map[string]any)["content"], "Say hi to Ada")
		require.Equal(t, []string{"response:Bon", "response:jour"}, rc.deltas)
		m, _ := llm.Lookup(model)
		require.Equal(t, m.Price(10000, 2000), rc.spent)
		require.Contains(t, rc.notes[0], "10000 input + 2000 output tokens")
		reserved, err := Builtin().byName["AITextGeneratorBlock"].block.Info().Reserve(in, rc.Credentials)
		require.NoError(t, err)
		require.GreaterOrEqual(t, reserved, m.Price(int64(len("Say hi to Ada"))+16, m.MaxOutputTokens))
	}
}

// On the user's own key nothing is reserved nor spent.
func TestAIOwnKeyIsNotCharged(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"x"}, Input: 5, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 0, false)
	in := map[string]any{"prompt": "p", "model": "gpt-4o-mini"}
	_, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", in)
	require.NoError(t, err)
	require.Zero(t, rc.spent)
	r, err := Builtin().byName["AITextGeneratorBlock"].block.Info().Reserve(in, rc.Credentials)
	require.NoError(t, err)
	require.Zero(t, r)
}

// A call whose worst case the reservation cannot cover is never made.
func TestAIBudgetIsNeverExceeded(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"x"}, Input: 5, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 0, true)
	_, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", map[string]any{"prompt": "p", "model": "gpt-4o"})
	require.ErrorIs(t, err, errBudget)
	require.Empty(t, s.Seen())
}

// Invalid JSON is re-asked with the parse error quoted; the answer keeps
// exactly the expected fields.
func TestAIStructuredReasks(t *testing.T) {
	t.Parallel()
	var tag string
	s := llmstub.New(func(n int, seen llmstub.Seen) llmstub.Reply {
		msgs := seen.Body["messages"].([]any)
		for _, m := range msgs {
			c, _ := m.(map[string]any)["content"].(string)
			if i := strings.Index(c, `<json_output id="`); i >= 0 && tag == "" {
				tag = c[i : i+len(`<json_output id="`)+16+2]
			}
		}
		if n == 0 {
			return llmstub.Reply{Chunks: []string{tag + "{not json</json_output>"}, Input: 10, Output: 5}
		}
		last := msgs[len(msgs)-1].(map[string]any)["content"].(string)
		require.Contains(t, last, "JSON decode error")
		return llmstub.Reply{Chunks: []string{"Sure! " + tag + `{"city": "Paris", "extra": 1}</json_output>`}, Input: 30, Output: 8}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	got, err := runCtx(t, context.Background(), &rc.RunContext, "AIStructuredResponseGeneratorBlock",
		map[string]any{"prompt": "capital of France?", "model": "gpt-4o-mini", "expected_format": map[string]any{"city": "the city"}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"city": "Paris"}, got[0].Value)
	require.Len(t, s.Seen(), 2)
	require.Len(t, rc.notes, 2, "both calls are paid")
}

func TestAIStructuredGivesUp(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"no json here"}, Input: 1, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	_, err := runCtx(t, context.Background(), &rc.RunContext, "AIStructuredResponseGeneratorBlock",
		map[string]any{"prompt": "q", "model": "gpt-4o-mini", "retry": 2, "expected_format": map[string]any{"a": "b"}})
	require.ErrorContains(t, err, "after 2 attempts")
	require.Len(t, s.Seen(), 2)
}

func TestAIListGenerator(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{`{"reasoning": "", "list": ["a", "b"]}`}, Input: 1, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	got, err := runCtx(t, context.Background(), &rc.RunContext, "AIListGeneratorBlock",
		map[string]any{"focus": "letters", "model": "gpt-4o-mini", "force_json_output": true})
	require.NoError(t, err)
	require.Equal(t, outs("generated_list", []any{"a", "b"}), got[:1])
	require.Equal(t, outs("list_item", "a", "list_item", "b"), got[2:])
	require.Equal(t, map[string]any{"type": "json_object"}, s.Seen()[0].Body["response_format"])
}

func TestAIConversation(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Chunks: []string{"Arlington"}, Input: 1, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	got, err := runCtx(t, context.Background(), &rc.RunContext, "AIConversationBlock", map[string]any{"model": "claude-haiku-4-5",
		"messages": []any{map[string]any{"role": "system", "content": "helpful"}, map[string]any{"role": "user", "content": "where?"}}})
	require.NoError(t, err)
	require.Equal(t, "Arlington", got[0].Value)
	require.Equal(t, "/v1/messages", s.Seen()[0].Path)
	_, err = runCtx(t, context.Background(), &rc.RunContext, "AIConversationBlock", map[string]any{"model": "gpt-4o-mini", "messages": []any{}})
	require.ErrorContains(t, err, "no messages and no prompt")
}

func TestAISummarizer(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(n int, seen llmstub.Seen) llmstub.Reply {
		msgs := seen.Body["messages"].([]any)
		sys := msgs[0].(map[string]any)["content"].(string)
		tag := sys[strings.Index(sys, `<json_output id="`):][:len(`<json_output id="`)+18]
		if strings.Contains(sys, "final_summary") {
			return llmstub.Reply{Chunks: []string{tag + `{"final_summary": "all of it"}</json_output>`}, Input: 1, Output: 1}
		}
		return llmstub.Reply{Chunks: []string{tag + `{"summary": "part"}</json_output>`}, Input: 1, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 10000, true)
	got, err := runCtx(t, context.Background(), &rc.RunContext, "AITextSummarizerBlock", map[string]any{"model": "gpt-4o-mini",
		"text": strings.Repeat("word ", 250), "max_tokens": 100, "chunk_overlap": 0})
	require.NoError(t, err)
	require.Equal(t, "all of it", got[0].Value)
	require.Len(t, s.Seen(), 4, "3 chunks of 100 words, then the combination")
}

// A provider's 401 fails the node with its message, no key, no retry.
func TestAIUnauthorized(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply {
		return llmstub.Reply{Status: http.StatusUnauthorized, Message: "Incorrect API key provided"}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	_, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", map[string]any{"prompt": "p", "model": "gpt-4o-mini"})
	require.ErrorContains(t, err, "Incorrect API key provided")
	require.NotContains(t, err.Error(), "sk-op")
	require.Len(t, s.Seen(), 1)
}

// A prompt over the context window fails before any call.
func TestAIContextWindow(t *testing.T) {
	t.Parallel()
	require.NoError(t, llm.SetModels([]llm.Model{{Name: "tiny-test", Provider: "openai", ContextWindow: 50, MaxOutputTokens: 10, InputCredits: 1, OutputCredits: 1}}))
	s := llmstub.New(func(int, llmstub.Seen) llmstub.Reply { return llmstub.Reply{Chunks: []string{"x"}} })
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	_, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", map[string]any{"prompt": strings.Repeat("long ", 200), "model": "tiny-test"})
	require.ErrorContains(t, err, "context window")
	require.Empty(t, s.Seen())
}

// A stream cut halfway is retried; the half answer is never emitted.
func TestAICutStreamRetried(t *testing.T) {
	t.Parallel()
	s := llmstub.New(func(n int, _ llmstub.Seen) llmstub.Reply {
		if n == 0 {
			return llmstub.Reply{Chunks: []string{"half", "cut"}, CutAfter: 1}
		}
		return llmstub.Reply{Chunks: []string{"whole"}, Input: 1, Output: 1}
	})
	defer s.Close()
	rc := newAIRC(s, 1000, true)
	got, err := runCtx(t, context.Background(), &rc.RunContext, "AITextGeneratorBlock", map[string]any{"prompt": "p", "model": "gpt-4o-mini"})
	require.NoError(t, err)
	require.Equal(t, "whole", got[0].Value)
}
