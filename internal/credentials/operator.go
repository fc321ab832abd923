package credentials

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
)

// OperatorKeys are the platform's own provider keys (OPENAI_API_KEY,
// ANTHROPIC_API_KEY, …), by provider; their base URLs are the operator's
// and trusted. Runs using them are charged for what they use.
type OperatorKeys map[string]blocks.Credential

// ForRunFunc is how the engine asks for a run's credentials (engine.Options.Credentials).
type ForRunFunc func(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error)

// WithOperatorKeys gives a run the user's own credential of each provider
// when there is one, else the operator's key: a user's key takes precedence,
// and its use costs the user no tokens.
func WithOperatorKeys(forRun ForRunFunc, keys OperatorKeys) ForRunFunc {
	if len(keys) == 0 {
		return forRun
	}
	return func(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
		out, err := forRun(ctx, userID, providers)
		if err != nil {
			return nil, err
		}
		for _, p := range providers {
			if _, ok := out[p]; ok {
				continue
			}
			if k, ok := keys[p]; ok {
				k.Provider, k.Type, k.Operator = p, "API_KEY", true
				out[p] = k
			}
		}
		return out, nil
	}
}
