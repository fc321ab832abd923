package graphcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// caseFile is the part of a shared engine case this package checks.
type caseFile struct {
	Name  string `json:"name"`
	Graph struct {
		Nodes []struct {
			Key          string         `json:"key"`
			Block        string         `json:"block"`
			InputDefault map[string]any `json:"input_default"`
		} `json:"nodes"`
		Links []struct {
			Source, SourceName, Sink, SinkName string
			IsStatic                           bool `json:"is_static"`
		} `json:"links"`
	} `json:"graph"`
	Expect struct {
		ValidationProblems []struct {
			Code  string   `json:"code"`
			Nodes []string `json:"nodes"`
			Pin   string   `json:"pin"`
		} `json:"validation_problems"`
	} `json:"expect"`
}

func (c *caseFile) spec() *model.GraphSpec {
	s := &model.GraphSpec{Name: c.Name}
	for _, n := range c.Graph.Nodes {
		s.Nodes = append(s.Nodes, model.NodeSpec{Key: n.Key, BlockID: n.Block, InputDefault: n.InputDefault})
	}
	for _, l := range c.Graph.Links {
		s.Links = append(s.Links, model.LinkSpec{SourceKey: l.Source, SourceName: l.SourceName, SinkKey: l.Sink, SinkName: l.SinkName, IsStatic: l.IsStatic})
	}
	return s
}

// TestCases runs every shared case (engine/testdata/cases, the engine's
// copy of ../shared/cases): refused graphs report their listed problems, every other
// graph validates clean.
func TestCases(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	files, err := filepath.Glob("../../engine/testdata/cases/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "engine/testdata/cases holds the shared cases")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			var c caseFile
			require.NoError(t, json.Unmarshal(raw, &c))
			// The case files use snake_case link keys.
			var links struct {
				Graph struct {
					Links []map[string]any `json:"links"`
				} `json:"graph"`
			}
			require.NoError(t, json.Unmarshal(raw, &links))
			for i, l := range links.Graph.Links {
				c.Graph.Links[i].SourceName, _ = l["source_name"].(string)
				c.Graph.Links[i].SinkName, _ = l["sink_name"].(string)
			}
			problems := Validate(c.spec(), reg)
			if len(c.Expect.ValidationProblems) == 0 {
				require.Empty(t, problems)
				return
			}
			for _, want := range c.Expect.ValidationProblems {
				require.Truef(t, slices.ContainsFunc(problems, func(p model.Problem) bool {
					return string(p.Code) == want.Code && (want.Pin == "" || p.Pin == want.Pin) &&
						subset(want.Nodes, p.NodeKeys)
				}), "want %+v among %+v", want, problems)
			}
		})
	}
}

func subset(want, got []string) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

func TestProblems(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	node := func(key, block string, def map[string]any) model.NodeSpec {
		return model.NodeSpec{Key: key, BlockID: block, InputDefault: def}
	}
	link := func(src, sp, dst, dp string) model.LinkSpec {
		return model.LinkSpec{SourceKey: src, SourceName: sp, SinkKey: dst, SinkName: dp}
	}
	codes := func(ps []model.Problem) []model.ProblemCode {
		var out []model.ProblemCode
		for _, p := range ps {
			out = append(out, p.Code)
		}
		return out
	}
	tests := []struct {
		name string
		spec model.GraphSpec
		want []model.ProblemCode
	}{
		{"empty", model.GraphSpec{}, []model.ProblemCode{model.ProblemNoNodes}},
		{"unknown block", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "NoSuchBlock", nil)}}, []model.ProblemCode{model.ProblemUnknownBlock}},
		{"unknown node", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": 1})},
			Links: []model.LinkSpec{link("a", "output", "zz", "input")}}, []model.ProblemCode{model.ProblemUnknownNode}},
		{"bad default type", model.GraphSpec{Nodes: []model.NodeSpec{node("c", "CalculatorBlock", map[string]any{"operation": "Nope", "a": 1, "b": 2})}},
			[]model.ProblemCode{model.ProblemInvalidDefault}},
		{"unknown model", model.GraphSpec{Nodes: []model.NodeSpec{node("ai", "AITextGeneratorBlock", map[string]any{"prompt": "hi", "model": "gpt-99"})}},
			[]model.ProblemCode{model.ProblemInvalidDefault}},
		{"known model", model.GraphSpec{Nodes: []model.NodeSpec{node("ai", "AITextGeneratorBlock", map[string]any{"prompt": "hi", "model": "claude-haiku-4-5"})}},
			nil},
		{"duplicate key", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": 1}), node("a", "StoreValueBlock", map[string]any{"input": 1})}},
			[]model.ProblemCode{model.ProblemDuplicateName}},
		// Two graph inputs of one name (here of two types): inputSchema would
		// show one, executeGraph check the other.
		{"duplicate input name", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "AgentInputBlock", map[string]any{"name": "x"}),
			node("b", "AgentNumberInputBlock", map[string]any{"name": "x"}), node("c", "AgentInputBlock", map[string]any{"name": "y"})}},
			[]model.ProblemCode{model.ProblemDuplicateName}},
		// Outputs of one name gather into one list (GraphExecution.outputs).
		{"outputs may share a name", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "AgentOutputBlock", map[string]any{"name": "o", "value": 1}),
			node("b", "AgentOutputBlock", map[string]any{"name": "o", "value": 2})}}, nil},
		{"self loop", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": 1}), node("b", "StoreValueBlock", map[string]any{"input": 1})},
			Links: []model.LinkSpec{link("a", "output", "b", "data"), link("b", "output", "b", "data")}},
			[]model.ProblemCode{model.ProblemCycle}},
		{"all in a ring", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", nil), node("b", "StoreValueBlock", nil)},
			Links: []model.LinkSpec{link("a", "output", "b", "input"), link("b", "output", "a", "input")}},
			[]model.ProblemCode{model.ProblemCycle, model.ProblemNoEntryNode, model.ProblemUnreachableNode, model.ProblemUnreachableNode}},
		{"too deep", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": nest(40)})}},
			[]model.ProblemCode{model.ProblemInvalidDefault}},
		{"duplicate links", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": 1}), node("b", "StoreValueBlock", nil)},
			Links: []model.LinkSpec{link("a", "output", "b", "input"), link("a", "output", "b", "input"), link("a", "output", "b", "data"),
				link("a", "output", "b", "input")}},
			[]model.ProblemCode{model.ProblemDuplicateLink, model.ProblemDuplicateLink}},
		{"dynamic pins ok", model.GraphSpec{Nodes: []model.NodeSpec{node("a", "StoreValueBlock", map[string]any{"input": 1}),
			node("t", "FillTextTemplateBlock", map[string]any{"format": "{{x}}"})},
			Links: []model.LinkSpec{link("a", "output", "t", "values_#_x")}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Validate(&tc.spec, reg)
			require.ElementsMatch(t, tc.want, codes(got), "%+v", got)
			for _, p := range got {
				require.NotEmpty(t, p.Message)
			}
		})
	}
}

// Each repeated link is reported once, by its own index, naming the first
// link it repeats; the same pins with another sink pin are a different link.
func TestDuplicateLinks(t *testing.T) {
	t.Parallel()
	spec := model.GraphSpec{Nodes: []model.NodeSpec{{Key: "a", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1}},
		{Key: "b", BlockID: "StoreValueBlock"}}}
	for range 10000 {
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: "a", SourceName: "output", SinkKey: "b", SinkName: "input"})
	}
	spec.Links[1].IsStatic = true // a static copy is still a copy
	got := Validate(&spec, blocks.Builtin())
	require.Len(t, got, 9999)
	for i, p := range got {
		require.Equal(t, model.ProblemDuplicateLink, p.Code)
		require.Equal(t, i+1, *p.LinkIndex)
		require.Equal(t, []string{"a", "b"}, p.NodeKeys)
		require.Equal(t, "input", p.Pin)
		require.Contains(t, p.Message, "repeats link 0")
	}
}

func nest(n int) any {
	var v any = 1
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}

func TestLongChainHasNoStackProblem(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	spec := model.GraphSpec{Nodes: []model.NodeSpec{{Key: "n0", BlockID: "StoreValueBlock", InputDefault: map[string]any{"input": 1}}}}
	for i := 1; i < 5000; i++ {
		spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: key(i), BlockID: "StoreValueBlock"})
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: key(i - 1), SourceName: "output", SinkKey: key(i), SinkName: "input"})
	}
	spec.Nodes[0].Key = key(0)
	require.Empty(t, Validate(&spec, reg))
}

func key(i int) string {
	return "n" + string(rune('a'+i%26)) + string(rune('a'+(i/26)%26)) + string(rune('a'+(i/676)%26))
}

// TestRequiredInputs: a stored node's required pins that neither a default
// nor a link provides; defaults that are not a JSON object give none.
func TestRequiredInputs(t *testing.T) {
	t.Parallel()
	reg := blocks.Builtin()
	calc, _ := reg.ByName("CalculatorBlock")
	id := calc.Info().ID
	required := reg.RequiredInputs(id)
	require.NotEmpty(t, required)
	require.Equal(t, required, RequiredInputs(reg, id, json.RawMessage(`{}`), nil))
	require.Equal(t, required, RequiredInputs(reg, id, json.RawMessage(`[1]`), nil), "not an object: no defaults")
	require.Equal(t, required[1:], RequiredInputs(reg, id, json.RawMessage(`{"`+required[0]+`": 1}`), nil))
	require.Equal(t, required[:len(required)-1], RequiredInputs(reg, id, json.RawMessage(`{}`), []string{required[len(required)-1]}))
	require.Equal(t, []string{}, RequiredInputs(reg, id, json.RawMessage(`{"`+required[0]+`": 1}`), required[1:]))
	require.Equal(t, []string{}, RequiredInputs(reg, "no such block", json.RawMessage(`{}`), nil))
}
