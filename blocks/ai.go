package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/agentgraph/agentgraph/blocks/llm"
)

// The AI blocks (AutoGPT's llm.py family) share this: finding the model and
// the credential for its provider, guarding a user's base URL, checking the
// context window before any call, streaming text to live subscribers, and
// pricing each call in tokens from the model registry against the node's
// reservation (Info.Reserve, RunContext.Budget).

// aiProviders are the providers an AI block may need a credential for.
var aiProviders = []string{"openai", "anthropic", "ollama"}

// modelProvider is ProvidersFor of every AI block: the provider of the
// node's model (unknown models need none here: the block fails naming it).
func modelProvider(input map[string]any) []string {
	name, _ := input["model"].(string)
	if name == "" {
		name = llm.DefaultModel
	}
	if m, ok := llm.Lookup(name); ok {
		return []string{m.Provider}
	}
	return nil
}

// ModelInput names the input pin holding an AI block's model, for the
// graph validator (an unknown model is refused on save); "" for other blocks.
func ModelInput(info *Info) string {
	if info.Type == TypeAI {
		return "model"
	}
	return ""
}

// aiRun is one AI node's run: its model, provider and spending so far.
type aiRun struct {
	rc       *RunContext
	model    llm.Model
	name     string // as the input names it (an alias is sent as given)
	provider llm.Provider
	operator bool  // the platform's key: calls are charged
	spent    int64 // credits spent by the calls so far
}

func lookupModel(name string) (llm.Model, error) {
	if name == "" {
		name = llm.DefaultModel
	}
	m, ok := llm.Lookup(name)
	if !ok {
		return m, fmt.Errorf("unknown model %q (see the llmModels query)", name)
	}
	return m, nil
}

func newAIRun(rc *RunContext, modelName string) (*aiRun, error) {
	if modelName == "" {
		modelName = llm.DefaultModel
	}
	m, err := lookupModel(modelName)
	if err != nil {
		return nil, err
	}
	cred, ok := rc.Credentials[m.Provider]
	if !ok {
		return nil, fmt.Errorf("no %s credentials and no operator key for model %q: add an API_KEY credential for %s", m.Provider, modelName, m.Provider)
	}
	cfg := llm.Config{Provider: m.Provider, APIKey: cred.Secret, BaseURL: cred.BaseURL,
		HTTPClient: modelHTTPClient(rc, cred.Operator)}
	var p llm.Provider
	if cred.Operator {
		p, err = operatorProvider(cfg)
	} else {
		p, err = llm.New(cfg)
	}
	if err != nil {
		return nil, err
	}
	return &aiRun{rc: rc, model: m, name: modelName, provider: p, operator: cred.Operator}, nil
}

// operatorProviders holds one provider per operator configuration: building
// an SDK client per call was a third of an AI block's CPU (profiled with
// 2,000 calls at once, BENCHMARKS.md); the clients are safe for concurrent
// use. Operator keys are few and fixed, so the map stays small; users'
// own keys still get a client per call, never kept past it.
var operatorProviders sync.Map // llm.Config → llm.Provider

func operatorProvider(cfg llm.Config) (llm.Provider, error) {
	if p, ok := operatorProviders.Load(cfg); ok {
		return p.(llm.Provider), nil
	}
	p, err := llm.New(cfg)
	if err != nil {
		return nil, err
	}
	got, _ := operatorProviders.LoadOrStore(cfg, p)
	return got.(llm.Provider), nil
}

// maxOutput is the max_tokens a call asks for: the input's, else the
// model's own limit, never above it.
func (a *aiRun) maxOutput(asked int64) int64 {
	if asked <= 0 || asked > a.model.MaxOutputTokens {
		return a.model.MaxOutputTokens
	}
	return asked
}

// errBudget: the reservation cannot cover another call.
var errBudget = errors.New("the credits reserved for this node cannot cover another model call")

// call makes one model call, streaming its text on pin (if not ""), and
// charges it. The prompt must fit the model's context window with room for
// the answer, checked before any call. On the platform's key the call's
// worst case must fit what is left of the reservation, so a node never
// spends more than it reserved.
func (a *aiRun) call(ctx context.Context, req llm.Request, pin string) (*llm.Response, error) {
	req.Model = a.name
	req.MaxTokens = a.maxOutput(req.MaxTokens)
	est, bound := llm.PromptTokens(req)
	if est+req.MaxTokens > a.model.ContextWindow {
		if est >= a.model.ContextWindow {
			return nil, fmt.Errorf("the prompt (about %d tokens) does not fit model %s's context window of %d tokens", est, a.model.Name, a.model.ContextWindow)
		}
		req.MaxTokens = a.model.ContextWindow - est // room left for the answer
	}
	if a.operator && a.spent+a.model.Price(bound, req.MaxTokens) > a.rc.Budget {
		return nil, errBudget
	}
	var onText func(string)
	if pin != "" && a.rc.Delta != nil {
		onText = func(d string) { a.rc.Delta(pin, d) }
	}
	resp, err := a.provider.Stream(ctx, req, onText)
	if err != nil {
		return nil, err
	}
	if a.operator {
		cost := min(a.model.Price(resp.Usage.InputTokens, resp.Usage.OutputTokens), a.rc.Budget-a.spent)
		a.spent += cost
		if a.rc.Spend != nil {
			est := ""
			if resp.Usage.Estimated {
				est = " (estimated: the provider reported no usage)"
			}
			a.rc.Spend(cost, fmt.Sprintf("%s: %d input + %d output tokens%s", a.model.Name,
				resp.Usage.InputTokens, resp.Usage.OutputTokens, est))
		}
	}
	return resp, nil
}

// reserveCalls is Info.Reserve for an AI block making up to calls calls,
// each no larger than first plus grow bytes of extra prompt per call: the
// worst case priced from the registry. Nothing is reserved on the user's own key.
func reserveCalls(input map[string]any, creds map[string]Credential, first llm.Request, calls int, grow int64) (int64, error) {
	name, _ := input["model"].(string)
	m, err := lookupModel(name)
	if err != nil {
		return 0, err
	}
	if c, ok := creds[m.Provider]; !ok || !c.Operator {
		return 0, nil
	}
	maxOut := first.MaxTokens
	if maxOut <= 0 || maxOut > m.MaxOutputTokens {
		maxOut = m.MaxOutputTokens
	}
	est, bound := llm.PromptTokens(first)
	if est >= m.ContextWindow {
		return 0, fmt.Errorf("the prompt (about %d tokens) does not fit model %s's context window of %d tokens", est, m.Name, m.ContextWindow)
	}
	var total int64
	for i := range max(1, calls) {
		total += m.Price(min(bound+int64(i)*grow, m.ContextWindow*8), maxOut)
	}
	return total, nil
}

// aiInfo is the Info every AI block shares.
func aiInfo(id, name, description string, reserve func(map[string]any, map[string]Credential) (int64, error)) Info {
	return Info{ID: id, Name: name, Description: description, Categories: []Category{CategoryAIML}, Type: TypeAI,
		Costs: []Cost{{Type: CostToken, Amount: 0, Currency: DefaultCurrency,
			Description: "per 1,000 tokens, priced per model from the model registry (llmModels); reserved before the call, the unused part released after"}},
		CredentialProviders: aiProviders, ProvidersFor: modelProvider, Reserve: reserve}
}

var promptVar = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`)

// fillPrompt substitutes {{name}} with prompt_values' values (AutoGPT's
// format_string); unknown names stay as they are.
func fillPrompt(s string, values map[string]any) string {
	if len(values) == 0 {
		return s
	}
	return promptVar.ReplaceAllStringFunc(s, func(m string) string {
		k := promptVar.FindStringSubmatch(m)[1]
		v, ok := values[k]
		if !ok {
			return m
		}
		if str, ok := v.(string); ok {
			return str
		}
		raw, _ := json.Marshal(v)
		return string(raw)
	})
}

// promptList is the "prompt" output: the messages sent, as AutoGPT yields them.
func promptList(req llm.Request) []any {
	var out []any
	if req.System != "" {
		out = append(out, map[string]any{"role": "system", "content": req.System})
	}
	for _, m := range req.Messages {
		out = append(out, map[string]any{"role": m.Role, "content": m.Content})
	}
	return out
}

// retryable says whether a failed call may be tried again by the block's
// retry loop: not when the user must act (401/403) or the run is over.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, errBudget) {
		return false
	}
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == 401 || apiErr.Status == 403 || apiErr.Status == 400 || apiErr.Status == 404) {
		return false
	}
	return !strings.Contains(err.Error(), "context window")
}
