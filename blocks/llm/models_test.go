package llm_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks/llm"
)

func TestRegistryHasTheRequiredModels(t *testing.T) {
	for _, n := range []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5-20250929"} {
		m, ok := llm.Lookup(n)
		require.True(t, ok, n)
		require.Positive(t, m.ContextWindow)
		require.Positive(t, m.MaxOutputTokens)
	}
	_, ok := llm.Lookup("gpt-99")
	require.False(t, ok)
}

// A call's price rounds up once and is never below 1 credit.
func TestPrice(t *testing.T) {
	m := llm.Model{InputCredits: 0.5, OutputCredits: 2}
	require.Equal(t, int64(1), m.Price(1, 1))
	require.Equal(t, int64(1), m.Price(0, 0))
	require.Equal(t, int64(2), m.Price(2000, 500)) // exactly 1 + 1
	require.Equal(t, int64(3), m.Price(2000, 501)) // 2.002 rounds up
}

func TestParseModels(t *testing.T) {
	ms, err := llm.ParseModels([]byte(`[{"name":"llama3.2","provider":"ollama","context_window":128000,"max_output_tokens":4096,"input_credits_per_1k":0,"output_credits_per_1k":0}]`))
	require.NoError(t, err)
	require.Len(t, ms, 1)
	_, err = llm.ParseModels([]byte(`[{"name":"x","provider":"acme","context_window":1,"max_output_tokens":1}]`))
	require.ErrorContains(t, err, "provider must be")
	_, err = llm.ParseModels([]byte(`[{"name":"x","provider":"openai","context_window":1,"max_output_tokens":1,"colour":"red"}]`))
	require.Error(t, err)
}

// AutoGPT's agents name their models by AutoGPT's LlmModel values; its
// OpenAI and Anthropic ones are here, under the provider that serves them.
func TestRegistryKnowsAutoGPTModelNames(t *testing.T) {
	for name, provider := range map[string]string{
		"gpt-5-2025-08-07": "openai", "gpt-5-mini-2025-08-07": "openai", "gpt-5-nano-2025-08-07": "openai",
		"gpt-5.1-2025-11-13": "openai", "gpt-5-chat-latest": "openai", "o3-2025-04-16": "openai", "o3-mini": "openai",
		"o1": "openai", "o1-mini": "openai", "gpt-4-turbo": "openai", "gpt-3.5-turbo": "openai",
		"gpt-4.1-2025-04-14": "openai", "gpt-4.1-mini-2025-04-14": "openai",
		"claude-sonnet-4-20250514": "anthropic", "claude-opus-4-20250514": "anthropic", "claude-opus-4-1-20250805": "anthropic",
		"claude-opus-4-5-20251101": "anthropic", "claude-3-7-sonnet-20250219": "anthropic", "claude-3-haiku-20240307": "anthropic",
		"claude-haiku-4-5-20251001": "anthropic",
	} {
		m, ok := llm.Lookup(name)
		require.True(t, ok, name)
		require.Equal(t, provider, m.Provider, name)
		require.Positive(t, m.ContextWindow, name)
		require.LessOrEqual(t, m.MaxOutputTokens, m.ContextWindow, name)
		require.Positive(t, m.InputCredits, name)
		require.Greater(t, m.OutputCredits, m.InputCredits, name) // output costs more, for every listed model
	}
}
