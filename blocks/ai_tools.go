package blocks

// The tools SmartDecisionMakerBlock offers its model (ai_decision.go): the
// functions made from the nodes linked from its tool pins, and the check of
// the calls the model makes against them.

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/agentgraph/agentgraph/blocks/llm"
)

// toolFunc is one tool offered to the model and where its calls go.
type toolFunc struct {
	spec  ToolSpec
	tool  llm.Tool
	pins  map[string]string // parameter name (cleaned) → the sink's pin
	order []string          // parameter names, in the tool's pin order
}

var toolNameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_-]`)

// cleanupToolName is AutoGPT's cleanup: names the providers accept.
func cleanupToolName(s string) string {
	return strings.ToLower(toolNameUnsafe.ReplaceAllString(s, "_"))
}

// toolFunctions builds the model's functions from the linked nodes: a name
// from the node's label (else its block's name), unique among them; the
// block's description; one parameter per linked pin, with the pin's schema
// from the block (a dynamic pin is a string) and required as the block
// requires it.
func toolFunctions(specs []ToolSpec) ([]*toolFunc, error) {
	if len(specs) == 0 {
		return nil, errors.New("there is no next node to execute: link the nodes the model may call from the tools pin")
	}
	seen := map[string]int{}
	var out []*toolFunc
	for _, sp := range specs {
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		_ = json.Unmarshal(sp.InputSchema, &schema)
		name := sp.Label
		if name == "" {
			name = sp.BlockName
		}
		name = cleanupToolName(name)
		if seen[name]++; seen[name] > 1 {
			name += "_" + strconv.Itoa(seen[name])
		}
		props := map[string]any{}
		var required []string
		tf := &toolFunc{spec: sp, pins: map[string]string{}}
		for _, pin := range sp.Pins {
			clean := cleanupToolName(pin)
			tf.pins[clean] = pin
			tf.order = append(tf.order, clean)
			var prop any = map[string]any{"type": "string", "description": "Value for " + pin}
			if !IsDynamicPin(pin) {
				if raw, ok := schema.Properties[pin]; ok {
					var p map[string]any
					if json.Unmarshal(raw, &p) == nil {
						prop = p
					}
				}
			}
			props[clean] = prop
			if slices.Contains(schema.Required, BasePin(pin)) {
				required = append(required, clean)
			}
		}
		sort.Strings(required)
		if required == nil {
			required = []string{}
		}
		tf.tool = llm.Tool{Name: name, Description: sp.BlockDescription, Parameters: map[string]any{
			"type": "object", "properties": props, "additionalProperties": false, "required": required}}
		out = append(out, tf)
	}
	return out, nil
}

// toolSignatures is the tool_functions output: OpenAI's function format.
func toolSignatures(tfs []*toolFunc) string {
	var sigs []any
	for _, tf := range tfs {
		sigs = append(sigs, map[string]any{"type": "function", "function": map[string]any{
			"name": tf.tool.Name, "description": tf.tool.Description, "parameters": tf.tool.Parameters,
			"_sink_node_id": tf.spec.NodeID}})
	}
	raw, _ := json.Marshal(sigs)
	return string(raw)
}

// findTool is the function a call names; with one tool, any name means it
// (AutoGPT's leniency).
func findTool(tfs []*toolFunc, name string) *toolFunc {
	for _, tf := range tfs {
		if tf.tool.Name == name {
			return tf
		}
	}
	if len(tfs) == 1 {
		return tfs[0]
	}
	return nil
}

// toolCall is a validated call: its function and its arguments.
type toolCall struct {
	call llm.ToolCall
	fn   *toolFunc
	args map[string]any
}

// checkToolCalls validates the model's calls against the functions: known
// tool, JSON arguments, no unknown parameter, every required one.
func checkToolCalls(tfs []*toolFunc, calls []llm.ToolCall) ([]toolCall, error) {
	var out []toolCall
	var problems []string
	for _, c := range calls {
		var args map[string]any
		if strings.TrimSpace(c.Arguments) == "" {
			args = map[string]any{}
		} else if err := json.Unmarshal([]byte(c.Arguments), &args); err != nil {
			problems = append(problems, fmt.Sprintf("Tool call '%s' has invalid JSON arguments: %v", c.Name, err))
			continue
		}
		fn := findTool(tfs, c.Name)
		if fn == nil {
			problems = append(problems, fmt.Sprintf("Tool call for '%s' does not match any known tool definition.", c.Name))
			continue
		}
		var unknown, missing []string
		for k := range args {
			if _, ok := fn.pins[k]; !ok {
				unknown = append(unknown, k)
			}
		}
		required, _ := fn.tool.Parameters["required"].([]string)
		for _, r := range required {
			if _, ok := args[r]; !ok {
				missing = append(missing, r)
			}
		}
		if len(unknown) > 0 || len(missing) > 0 {
			sort.Strings(unknown)
			msg := fmt.Sprintf("Tool call '%s' has parameter errors:", c.Name)
			if len(unknown) > 0 {
				msg += fmt.Sprintf(" Unknown parameters: %v.", unknown)
			}
			if len(missing) > 0 {
				msg += fmt.Sprintf(" Missing required parameters: %v.", missing)
			}
			msg += fmt.Sprintf(" Expected parameters: %v.", sortedCopy(fn.order))
			problems = append(problems, msg)
			continue
		}
		out = append(out, toolCall{call: c, fn: fn, args: args})
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// errToolCalls: the model's tool calls did not match the functions.
type errToolCalls struct{ err error }

func (e errToolCalls) Error() string { return e.err.Error() }

// decide makes one call with the tools, re-asking up to retry times with
