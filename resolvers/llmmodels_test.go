package resolvers_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// llmModels is public and lists the registry with its prices; the AI
// blocks are listed as type AI, category AI_ML.
func TestLLMModelsAndAIBlocks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var models []struct {
		Name                                  string
		Provider                              string
		ContextWindow                         int
		MaxOutputTokens                       int
		InputCreditsPer1k, OutputCreditsPer1k float64
	}
	b.ok("", `{ llmModels { name provider contextWindow maxOutputTokens inputCreditsPer1k outputCreditsPer1k aliases } }`, nil, "llmModels", &models)
	byName := map[string]string{}
	for _, m := range models {
		byName[m.Name] = m.Provider
		require.Positive(t, m.ContextWindow)
		require.Positive(t, m.MaxOutputTokens)
		require.Positive(t, m.OutputCreditsPer1k)
	}
	for _, n := range []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini"} {
		require.Equal(t, "openai", byName[n], n)
	}
	for _, n := range []string{"claude-sonnet-4-5", "claude-haiku-4-5"} {
		require.Equal(t, "anthropic", byName[n], n)
	}
	var blocks []struct{ Name string }
	b.ok("", `{ blocks(type: AI, category: AI_ML) { name } }`, nil, "blocks", &blocks)
	var names []string
	for _, bl := range blocks {
		names = append(names, bl.Name)
	}
	require.Subset(t, names, []string{"AITextGeneratorBlock", "AIStructuredResponseGeneratorBlock", "AITextSummarizerBlock",
		"AIConversationBlock", "AIListGeneratorBlock"})
}
