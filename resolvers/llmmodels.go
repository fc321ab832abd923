package resolvers

import (
	"context"

	"github.com/agentgraph/agentgraph/blocks/llm"
	gql "github.com/agentgraph/agentgraph/graph/model"
)

// LlmModels serves the model registry (blocks/llm).
func (r *queryResolver) LlmModels(ctx context.Context) ([]*gql.LLMModel, error) {
	ms := llm.Models()
	out := make([]*gql.LLMModel, 0, len(ms))
	for _, m := range ms {
		aliases := m.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		out = append(out, &gql.LLMModel{Name: m.Name, Aliases: aliases, Provider: m.Provider, ContextWindow: int(m.ContextWindow),
			MaxOutputTokens: int(m.MaxOutputTokens), InputCreditsPer1k: m.InputCredits, OutputCreditsPer1k: m.OutputCredits})
	}
	return out, nil
}
