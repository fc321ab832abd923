package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// Model is one entry of the model registry. Credits are the platform's
// unit (what BlockCost amounts count); prices are per 1,000 tokens and may
// be fractional: a call's charge is rounded up once, per call (Price).
type Model struct {
	Name            string   `json:"name"`
	Provider        string   `json:"provider"` // openai | anthropic | ollama
	ContextWindow   int64    `json:"context_window"`
	MaxOutputTokens int64    `json:"max_output_tokens"`
	InputCredits    float64  `json:"input_credits_per_1k"`
	OutputCredits   float64  `json:"output_credits_per_1k"`
	Aliases         []string `json:"aliases,omitempty"` // other names (AutoGPT's dated ids)
}

// Price is what a call of these tokens costs, in whole credits: rounded up,
// and at least 1 for any call (so nothing on the platform's key is free).
func (m Model) Price(input, output int64) int64 {
	c := (float64(input)*m.InputCredits + float64(output)*m.OutputCredits) / 1000
	return max(1, int64(math.Ceil(c-1e-9)))
}

// builtinModels are the models every deployment knows. Prices are in
// credits (cents) per 1,000 tokens, from the providers' list prices.
var builtinModels = []Model{
	{Name: "gpt-4o-mini", Provider: "openai", ContextWindow: 128000, MaxOutputTokens: 16384, InputCredits: 0.015, OutputCredits: 0.06},
	{Name: "gpt-4o", Provider: "openai", ContextWindow: 128000, MaxOutputTokens: 16384, InputCredits: 0.25, OutputCredits: 1.0},
	{Name: "gpt-4.1", Provider: "openai", ContextWindow: 1047576, MaxOutputTokens: 32768, InputCredits: 0.2, OutputCredits: 0.8,
		Aliases: []string{"gpt-4.1-2025-04-14"}},
	{Name: "gpt-4.1-mini", Provider: "openai", ContextWindow: 1047576, MaxOutputTokens: 32768, InputCredits: 0.04, OutputCredits: 0.16,
		Aliases: []string{"gpt-4.1-mini-2025-04-14"}},
	{Name: "claude-sonnet-4-5", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 64000, InputCredits: 0.3, OutputCredits: 1.5,
		Aliases: []string{"claude-sonnet-4-5-20250929"}},
	{Name: "claude-haiku-4-5", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 64000, InputCredits: 0.1, OutputCredits: 0.5,
		Aliases: []string{"claude-haiku-4-5-20251001"}},

	// The rest of AutoGPT's OpenAI and Anthropic models, so that its agents
	// import with their models: the name is one the provider's API takes
	// (it is sent as written), AutoGPT's dated id an alias. Its Ollama
	// models run on a machine of the user's, so they are the operator's to
	// list (LLM_MODELS); its OpenRouter, Groq, AI/ML API, Llama API and v0
	// models need providers we do not have.
	{Name: "gpt-5", Provider: "openai", ContextWindow: 400000, MaxOutputTokens: 128000, InputCredits: 0.125, OutputCredits: 1.0,
		Aliases: []string{"gpt-5-2025-08-07"}},
	{Name: "gpt-5.1", Provider: "openai", ContextWindow: 400000, MaxOutputTokens: 128000, InputCredits: 0.125, OutputCredits: 1.0,
		Aliases: []string{"gpt-5.1-2025-11-13"}},
	{Name: "gpt-5-mini", Provider: "openai", ContextWindow: 400000, MaxOutputTokens: 128000, InputCredits: 0.025, OutputCredits: 0.2,
		Aliases: []string{"gpt-5-mini-2025-08-07"}},
	{Name: "gpt-5-nano", Provider: "openai", ContextWindow: 400000, MaxOutputTokens: 128000, InputCredits: 0.005, OutputCredits: 0.04,
		Aliases: []string{"gpt-5-nano-2025-08-07"}},
	{Name: "gpt-5-chat-latest", Provider: "openai", ContextWindow: 128000, MaxOutputTokens: 16384, InputCredits: 0.125, OutputCredits: 1.0},
	{Name: "o3", Provider: "openai", ContextWindow: 200000, MaxOutputTokens: 100000, InputCredits: 0.2, OutputCredits: 0.8,
		Aliases: []string{"o3-2025-04-16"}},
	{Name: "o3-mini", Provider: "openai", ContextWindow: 200000, MaxOutputTokens: 100000, InputCredits: 0.11, OutputCredits: 0.44},
	{Name: "o1", Provider: "openai", ContextWindow: 200000, MaxOutputTokens: 100000, InputCredits: 1.5, OutputCredits: 6.0},
	{Name: "o1-mini", Provider: "openai", ContextWindow: 128000, MaxOutputTokens: 65536, InputCredits: 0.11, OutputCredits: 0.44},
	{Name: "gpt-4-turbo", Provider: "openai", ContextWindow: 128000, MaxOutputTokens: 4096, InputCredits: 1.0, OutputCredits: 3.0},
	{Name: "gpt-3.5-turbo", Provider: "openai", ContextWindow: 16385, MaxOutputTokens: 4096, InputCredits: 0.05, OutputCredits: 0.15},
	{Name: "claude-opus-4-5", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 64000, InputCredits: 0.5, OutputCredits: 2.5,
		Aliases: []string{"claude-opus-4-5-20251101"}},
	{Name: "claude-opus-4-1", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 32000, InputCredits: 1.5, OutputCredits: 7.5,
		Aliases: []string{"claude-opus-4-1-20250805"}},
	{Name: "claude-opus-4-0", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 32000, InputCredits: 1.5, OutputCredits: 7.5,
		Aliases: []string{"claude-opus-4-20250514"}},
	{Name: "claude-sonnet-4-0", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 64000, InputCredits: 0.3, OutputCredits: 1.5,
		Aliases: []string{"claude-sonnet-4-20250514"}},
	{Name: "claude-3-7-sonnet-latest", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 64000, InputCredits: 0.3, OutputCredits: 1.5,
		Aliases: []string{"claude-3-7-sonnet-20250219"}},
	{Name: "claude-3-haiku-20240307", Provider: "anthropic", ContextWindow: 200000, MaxOutputTokens: 4096, InputCredits: 0.025, OutputCredits: 0.125},
}

// DefaultModel is the model blocks use when none is given (AutoGPT's default).
const DefaultModel = "gpt-4o"

var registry = struct {
	sync.RWMutex
	list   []Model
	byName map[string]Model
}{}

func init() { mustSet(nil) }

func mustSet(extra []Model) {
	if err := SetModels(extra); err != nil {
		panic(err)
	}
}

// SetModels makes the registry the built-in models plus extra (the
// operator's, LLM_MODELS / LLM_MODELS_FILE); an extra model with a built-in
// name replaces it. Called once at startup, before any run.
func SetModels(extra []Model) error {
	list := slices.Clone(builtinModels)
	for _, m := range extra {
		if err := m.check(); err != nil {
			return err
		}
		if i := slices.IndexFunc(list, func(b Model) bool { return b.Name == m.Name }); i >= 0 {
			list[i] = m
		} else {
			list = append(list, m)
		}
	}
	byName := map[string]Model{}
	for _, m := range list {
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			byName[n] = m
		}
	}
	registry.Lock()
	registry.list, registry.byName = list, byName
	registry.Unlock()
	return nil
}

func (m Model) check() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return fmt.Errorf("model registry: a model has no name")
	case m.Provider != "openai" && m.Provider != "anthropic" && m.Provider != "ollama":
		return fmt.Errorf("model %q: provider must be openai, anthropic or ollama, got %q", m.Name, m.Provider)
	case m.ContextWindow <= 0 || m.MaxOutputTokens <= 0:
		return fmt.Errorf("model %q: context_window and max_output_tokens must be positive", m.Name)
	case m.InputCredits < 0 || m.OutputCredits < 0 || math.IsNaN(m.InputCredits) || math.IsNaN(m.OutputCredits):
		return fmt.Errorf("model %q: prices must not be negative", m.Name)
	}
	return nil
}

// ParseModels reads an operator's model list: a JSON array of Model.
func ParseModels(raw []byte) ([]Model, error) {
	var ms []Model
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ms); err != nil {
		return nil, fmt.Errorf("model list is not a JSON array of models: %w", err)
	}
	for _, m := range ms {
		if err := m.check(); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// Lookup finds a model by name or alias.
func Lookup(name string) (Model, bool) {
	registry.RLock()
	defer registry.RUnlock()
	m, ok := registry.byName[name]
	return m, ok
}

// Models lists the registry, built-in models first.
func Models() []Model {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.list)
}

// Names lists every accepted model name (aliases included), sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.byName))
	for n := range registry.byName {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }
