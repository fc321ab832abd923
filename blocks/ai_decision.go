package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agentgraph/agentgraph/blocks/llm"
)

// SmartDecisionMakerBlock is AutoGPT's agent step: the nodes linked from
// its `tools` pin are the functions the model may call
// (RunContext.Tools). With agent mode off (agent_mode_max_iterations 0) it
// makes one call and yields each tool call's arguments on the tool-call
// pins (ToolCallPin), so the called nodes run once; a model that calls
// nothing ends on `finished`. In agent mode the loop runs inside the block:
// each called node runs as a child node execution (RunContext.Nodes), its
// outputs go back to the model, until the model answers without a tool
// call or the iterations run out.

// defaultDecisionSysPrompt is AutoGPT's default system prompt, used when
// sys_prompt is empty (a schema default cannot hold its commas).
const defaultDecisionSysPrompt = "Thinking carefully step by step decide which function to call. " +
	"Always choose a function call from the list of function signatures, " +
	"and always provide the complete argument provided with the type " +
	"matching the required jsonschema signature, no missing argument is allowed. " +
	"If you have already completed the task objective, you can end the task " +
	"by providing the end result of your work as a finish message. " +
	"Function parameters that has no default value and not optional typed has to be provided. "

// mainObjectivePrefix marks the objective's turns, so a conversation
// handed back in does not repeat them (AutoGPT's MAIN_OBJECTIVE_PREFIX).
const mainObjectivePrefix = "[Main Objective Prompt]: "

type decisionIn struct {
	Prompt                 string         `json:"prompt" jsonschema_description:"The prompt to send to the language model."`
	MultipleToolCalls      bool           `json:"multiple_tool_calls" jsonschema:"default=false" jsonschema_description:"Whether to allow multiple tool calls in a single response."`
	SysPrompt              string         `json:"sys_prompt,omitempty" jsonschema_description:"The system prompt to provide additional context to the model (empty: AutoGPT's default, which asks for exactly one complete function call or a finish message)."`
	ConversationHistory    []any          `json:"conversation_history,omitempty" jsonschema_description:"The conversation history to provide context for the prompt (the conversations output of an earlier step)."`
	LastToolOutput         any            `json:"last_tool_output,omitempty" jsonschema_description:"The output of the last tool that was called."`
	Retry                  int            `json:"retry" jsonschema:"default=3,minimum=1,maximum=10" jsonschema_description:"Number of times to retry the LLM call if the response does not match the expected format."`
	PromptValues           map[string]any `json:"prompt_values,omitempty" jsonschema_description:"Values used to fill in the prompt: {{variable_name}}."`
	AgentModeMaxIterations int            `json:"agent_mode_max_iterations" jsonschema:"default=0,minimum=-1" jsonschema_description:"Maximum iterations for agent mode. 0 = traditional mode (single LLM call, yield tool calls for external execution), -1 = infinite agent mode (loop until finished, or until the credits reserved for agentModeReservedIterations calls run out), 1+ = agent mode with max iterations limit."`
	ConversationCompaction bool           `json:"conversation_compaction" jsonschema:"default=true" jsonschema_description:"Accepted for AutoGPT compatibility: a conversation over the model's context window fails the call with a clear error instead of being compacted."`
	aiCommon
}

type decisionOut struct {
	Tools         any    `json:"tools" jsonschema_description:"The tools that are available to use: link the nodes the model may call from this pin."`
	ToolFunctions string `json:"tool_functions" jsonschema_description:"The function signatures offered to the model (JSON)."`
	Finished      string `json:"finished" jsonschema_description:"The finished message to display to the user."`
	Conversations []any  `json:"conversations" jsonschema_description:"The conversation history to provide context for the prompt."`
}

// agentModeReservedIterations bounds what an unbounded agent loop (-1)
// reserves: a reservation must be finite, so it stops when this many
// calls' worth of credits is spent.
const agentModeReservedIterations = 20

// toolsAllowance is the tool signatures' share of each call's reserved
// prompt, in bytes: the reservation is made from the input alone, before
// the block knows its tools. Larger signatures make the call refused for
// its budget (errBudget) rather than overspent.
const toolsAllowance = 16 << 10

// decisionGrowth is how much a conversation may grow per agent iteration,
// in bytes: the answer's tool calls and the tools' outputs fed back.
func decisionGrowth(maxOut int64) int64 { return 8*maxOut + 32<<10 }

// the problems quoted when the tool calls do not match the functions.
func decide(ctx context.Context, a *aiRun, req llm.Request, tfs []*toolFunc, retry int) (*llm.Response, []toolCall, error) {
	var lastErr error
	for attempt := range max(1, retry) {
		resp, err := a.call(ctx, req, "finished")
		if err != nil {
			if !retryable(ctx, err) || attempt == retry-1 {
				return nil, nil, err
			}
			lastErr = err
			continue
		}
		calls, cerr := checkToolCalls(tfs, resp.ToolCalls)
		if cerr == nil {
			return resp, calls, nil
		}
		lastErr = errToolCalls{cerr}
		req.Messages = append(slices.Clip(req.Messages), llm.Message{Role: llm.RoleUser, Content: "Your tool call had errors. Please fix the following issues and try again:\n- " +
			cerr.Error() + "\n\nPlease make sure to use the exact tool and parameter names as specified in the function schema."})
	}
	return nil, nil, lastErr
}

// decisionRequest builds the first call's request from the input: the
// conversation so far, the last tool's output answering its pending call,
// the objective (system and user turns, once), and the tools. pending
// reports a conversation still waiting for other tools' outputs.
func decisionRequest(in decisionIn, tfs []*toolFunc) (req llm.Request, history []any, pending bool, err error) {
	history = slices.Clone(in.ConversationHistory)
	open := pendingToolCalls(history)
	switch {
	case len(open) > 0 && in.LastToolOutput == nil:
		return req, nil, false, fmt.Errorf("tool call requires an output for %v", open)
	case len(open) > 0:
		history = append(history, toolResponse(open[0], in.LastToolOutput))
		if len(pendingToolCalls(history)) > 0 {
			return req, history, true, nil
		}
	case in.LastToolOutput != nil:
		raw, _ := json.Marshal(in.LastToolOutput)
		history = append(history, map[string]any{"role": "user", "content": "Last tool output: " + string(raw)})
	}
	sys := in.SysPrompt
	if sys == "" {
		sys = defaultDecisionSysPrompt
	}
	if in.MultipleToolCalls {
		sys += "\nYou can call a tool (different tools) multiple times in a single response."
	} else {
		sys += "\nOnly provide EXACTLY one function call, multiple tool calls is strictly prohibited."
	}
	prompt := fillPrompt(in.Prompt, in.PromptValues)
	sys = fillPrompt(sys, in.PromptValues)
	if !hasObjective(history, "system") {
		history = append(history, map[string]any{"role": "system", "content": mainObjectivePrefix + sys})
	}
	if prompt != "" && !hasObjective(history, "user") {
		history = append(history, map[string]any{"role": "user", "content": mainObjectivePrefix + prompt})
	}
	req = llm.Request{Messages: conversationMessages(history), MaxTokens: in.MaxTokens}
	for _, tf := range tfs {
		req.Tools = append(req.Tools, tf.tool)
	}
	return req, history, false, nil
}

func hasObjective(history []any, role string) bool {
	for _, h := range history {
		if m, ok := h.(map[string]any); ok && m["role"] == role {
			if c, ok := m["content"].(string); ok && strings.HasPrefix(c, mainObjectivePrefix) {
				return true
			}
		}
	}
	return false
}

// pendingToolCalls are the ids of the history's tool calls with no answer
// yet, in order (OpenAI's and Anthropic's formats both).
func pendingToolCalls(history []any) []string {
	count := map[string]int{}
	var order []string
	for _, h := range history {
		m, _ := h.(map[string]any)
		for _, id := range toolRequests(m) {
			if count[id] == 0 && !slices.Contains(order, id) {
				order = append(order, id)
			}
			count[id]++
		}
		for _, id := range toolResponses(m) {
			count[id]--
		}
	}
	var out []string
	for _, id := range order {
		if count[id] > 0 {
			out = append(out, id)
		}
	}
	return out
}

func toolRequests(m map[string]any) []string {
	if m["role"] != "assistant" {
		return nil
	}
	var ids []string
	calls, _ := m["tool_calls"].([]any)
	for _, c := range calls {
		if cm, ok := c.(map[string]any); ok {
			if id, _ := cm["id"].(string); id != "" {
				ids = append(ids, id)
			}
		}
	}
	items, _ := m["content"].([]any)
	for _, it := range items {
		if im, ok := it.(map[string]any); ok && im["type"] == "tool_use" {
			if id, _ := im["id"].(string); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func toolResponses(m map[string]any) []string {
	var ids []string
	if m["role"] == "tool" {
		if id, _ := m["tool_call_id"].(string); id != "" {
			ids = append(ids, id)
		}
	}
	if m["role"] == "user" {
		items, _ := m["content"].([]any)
		for _, it := range items {
			if im, ok := it.(map[string]any); ok && im["type"] == "tool_result" {
				if id, _ := im["tool_use_id"].(string); id != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// toolResponse answers a tool call in the conversation, in the format of
// the provider that made it (Anthropic's ids start with toolu_).
func toolResponse(callID string, output any) map[string]any {
	content, ok := output.(string)
	if !ok {
		raw, _ := json.Marshal(output)
		content = string(raw)
	}
	if strings.HasPrefix(callID, "toolu_") {
		return map[string]any{"role": "user", "type": "message", "content": []any{
			map[string]any{"tool_use_id": callID, "type": "tool_result", "content": content}}}
	}
	return map[string]any{"role": "tool", "tool_call_id": callID, "content": content}
}

// assistantTurn is the model's answer as a conversation entry (OpenAI's
// format, which conversationMessages reads back for either provider).
func assistantTurn(resp *llm.Response) map[string]any {
	m := map[string]any{"role": "assistant", "content": resp.Text}
	if len(resp.ToolCalls) > 0 {
		var calls []any
		for _, c := range resp.ToolCalls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
		}
		m["tool_calls"] = calls
	}
	return m
}

// conversationMessages reads a conversation (OpenAI's or Anthropic's
// message dicts) into the providers' messages.
func conversationMessages(history []any) []llm.Message {
	var out []llm.Message
	for _, h := range history {
		m, ok := h.(map[string]any)
		if !ok {
			continue
		}
		role, _ := m["role"].(string)
		switch role {
		case "tool":
			id, _ := m["tool_call_id"].(string)
			out = append(out, llm.Message{Role: llm.RoleTool, ToolCallID: id, Content: textOf(m["content"])})
			continue
		case "assistant":
			msg := llm.Message{Role: llm.RoleAssistant}
			calls, _ := m["tool_calls"].([]any)
			for _, c := range calls {
				cm, _ := c.(map[string]any)
				fn, _ := cm["function"].(map[string]any)
				id, _ := cm["id"].(string)
				name, _ := fn["name"].(string)
				args, _ := fn["arguments"].(string)
				msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: id, Name: name, Arguments: args})
			}
			if items, ok := m["content"].([]any); ok {
				for _, it := range items {
					im, _ := it.(map[string]any)
					switch im["type"] {
					case "text":
						msg.Content += textOf(im["text"])
					case "tool_use":
						id, _ := im["id"].(string)
						name, _ := im["name"].(string)
						raw, _ := json.Marshal(im["input"])
						msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: id, Name: name, Arguments: string(raw)})
					}
				}
			} else if m["content"] != nil {
				msg.Content = textOf(m["content"])
			}
			out = append(out, msg)
			continue
		case "user":
			if items, ok := m["content"].([]any); ok {
				var text string
				for _, it := range items {
					im, _ := it.(map[string]any)
					switch im["type"] {
					case "tool_result":
						id, _ := im["tool_use_id"].(string)
						out = append(out, llm.Message{Role: llm.RoleTool, ToolCallID: id, Content: textOf(im["content"])})
					case "text":
						text += textOf(im["text"])
					}
				}
				if text != "" {
					out = append(out, llm.Message{Role: llm.RoleUser, Content: text})
				}
				continue
			}
		case "system":
		default:
			role = llm.RoleUser
		}
		out = append(out, llm.Message{Role: role, Content: textOf(m["content"])})
	}
	return out
}

// SmartDecisionMakerBlock builds the block.
func SmartDecisionMakerBlock() Block {
	reserve := func(input map[string]any, creds map[string]Credential) (int64, error) {
		h, _ := input["conversation_history"].([]any)
		raw, _ := json.Marshal(h)
		req := llm.Request{System: strIn(input, "sys_prompt") + defaultDecisionSysPrompt + string(raw) + strings.Repeat(" ", toolsAllowance),
			MaxTokens: int64In(input, "max_tokens"), Messages: []llm.Message{{Role: llm.RoleUser, Content: fillPrompt(strIn(input, "prompt"), mapIn(input, "prompt_values"))}}}
		retry := intIn(input, "retry", 3)
		iterations := agentIterations(input["agent_mode_max_iterations"])
		if iterations == 0 {
			return reserveCalls(input, creds, req, retry, 1024)
		}
		// Each iteration is one call (its re-asks come out of the same budget).
		return reserveCalls(input, creds, req, iterations, decisionGrowth(modelMaxOut(input)))
	}
	return Define[decisionIn, decisionOut](aiInfo("3b191d9f-356f-482d-8238-ba04b6d18381", "SmartDecisionMakerBlock",
		"Uses AI to intelligently decide what tool to use.", reserve),
		func(ctx context.Context, rc *RunContext, in decisionIn, emit Emit) error {
			tfs, err := toolFunctions(rc.Tools)
			if err != nil {
				return err
			}
			if err := emit("tool_functions", toolSignatures(tfs)); err != nil {
				return err
			}
			req, history, pending, err := decisionRequest(in, tfs)
			if err != nil {
				return err
			}
			if pending { // other tools' outputs are still to come
				return emit("conversations", history)
			}
			a, err := newAIRun(rc, in.Model)
			if err != nil {
				return err
			}
			if in.AgentModeMaxIterations != 0 {
				return agentLoop(ctx, rc, a, in, req, history, tfs, emit)
			}
			resp, calls, err := decide(ctx, a, req, tfs, in.Retry)
			if err != nil {
				return err
			}
			if len(calls) == 0 {
				return emit("finished", resp.Text)
			}
			for _, c := range calls {
				for _, p := range c.fn.order {
					if err := emit(ToolCallPin(c.fn.spec.NodeID, c.fn.pins[p]), c.args[p]); err != nil {
						return err
					}
				}
			}
			return emit("conversations", append(history, assistantTurn(resp)))
		})
}

// agentIterations is agent_mode_max_iterations as a count of calls to
// reserve: 0 off, -1 (or below) the bound of an unbounded loop.
func agentIterations(v any) int {
	f, ok := toFloat(v)
	switch {
	case !ok || f == 0:
		return 0
	case f < 0:
		return agentModeReservedIterations
	}
	return int(f)
}

// agentLoop is agent mode: call the model, run each node it calls as a
// child node execution, feed the outputs back, until an answer without a
// tool call or the last iteration (which asks the model to wrap up).
func agentLoop(ctx context.Context, rc *RunContext, a *aiRun, in decisionIn, req llm.Request, history []any, tfs []*toolFunc, emit Emit) error {
	if rc.Nodes == nil {
		return errors.New("agent mode needs the engine's node runner, which this run does not have")
	}
	limit := in.AgentModeMaxIterations
	iter := 0
	for limit < 0 || iter < limit {
		iter++
		ireq := req
		if limit > 0 && iter == limit {
			ireq.Messages = append(slices.Clip(req.Messages), llm.Message{Role: "system", Content: mainObjectivePrefix +
				fmt.Sprintf("This is your last iteration (%d/%d). ", iter, limit) +
				"Try to complete the task with the information you have. If you cannot fully complete it, " +
				"provide a summary of what you've accomplished and what remains to be done. " +
				"Prefer finishing with a clear response rather than making additional tool calls."})
		}
		resp, calls, err := decide(ctx, a, ireq, tfs, in.Retry)
		if errors.Is(err, errBudget) && limit < 0 && iter > 1 {
			// An unbounded loop stops where its reservation does.
			if err := emit("finished", fmt.Sprintf("Agent mode stopped after %d iterations: the credits reserved for it are spent", iter-1)); err != nil {
				return err
			}
			return emit("conversations", history)
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			return fmt.Errorf("LLM call failed in agent mode iteration %d: %w", iter, err)
		}
		history = append(history, assistantTurn(resp))
		if len(calls) == 0 {
			if err := emit("finished", resp.Text); err != nil {
				return err
			}
			return emit("conversations", history)
		}
		for _, c := range calls {
			input := make(map[string]any, len(c.fn.order))
			for _, p := range c.fn.order {
				input[c.fn.pins[p]] = c.args[p]
			}
			outs, err := rc.Nodes.RunNode(ctx, c.fn.spec.NodeID, input)
			var content any = outs
			switch {
			case ctx.Err() != nil:
				return context.Cause(ctx)
			case err != nil:
				content = "Tool execution failed: " + err.Error()
			case len(outs) == 0:
				content = "Tool executed successfully"
			}
			history = append(history, toolResponse(c.call.ID, content))
		}
		req.Messages = conversationMessages(history)
		if err := emit("conversations", history); err != nil {
			return err
		}
	}
	if err := emit("finished", fmt.Sprintf("Agent mode completed after %d iterations (limit reached)", limit)); err != nil {
		return err
	}
	return emit("conversations", history)
}
