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
