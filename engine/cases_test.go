package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/model"
)

type caseFile struct {
	Name  string `json:"name"`
	Graph struct {
		Nodes []nspec `json:"nodes"`
		Links []lspec `json:"links"`
	} `json:"graph"`
	Inputs map[string]any `json:"inputs"`
	Expect struct {
		Status             string              `json:"status"`
		Outputs            map[string][]any    `json:"outputs"`
		OutputsUnordered   map[string][]any    `json:"outputs_unordered"`
		OutputCounts       map[string]int      `json:"output_counts"`
		AbsentOutputs      []string            `json:"absent_outputs"`
		NodeRuns           map[string]int      `json:"node_runs"`
		NodeStatus         map[string][]string `json:"node_status"`
		ErrorMentionsNode  string              `json:"error_mentions_node"`
		ValidationProblems []struct {
			Code  string   `json:"code"`
			Nodes []string `json:"nodes"`
			Pin   string   `json:"pin"`
		} `json:"validation_problems"`
	} `json:"expect"`
}

// TestCases runs every shared case through the real engine. Cases that
// expect validation problems are checked with graphcheck (nothing runs).
func TestCases(t *testing.T) {
	t.Parallel()
	runCases(t, newEnv(t, Options{}))
}

// TestCasesStrict runs them again with every node waiting for its inputs
// to be committed (no speculative execution).
func TestCasesStrict(t *testing.T) {
	t.Parallel()
	runCases(t, newEnv(t, Options{Strict: true}))
}

func runCases(t *testing.T, e *env) {
	files, err := filepath.Glob("testdata/cases/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var c caseFile
		require.NoError(t, json.Unmarshal(raw, &c))
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			te := *e
			te.t = t
			if len(c.Expect.ValidationProblems) > 0 {
				problems := graphcheck.Validate(te.modelSpec(c.Graph.Nodes, c.Graph.Links), e.reg)
				for _, want := range c.Expect.ValidationProblems {
					require.True(t, slices.ContainsFunc(problems, func(p model.Problem) bool {
						return string(p.Code) == want.Code && subset(want.Nodes, p.NodeKeys) && (want.Pin == "" || p.Pin == want.Pin)
					}), "expected problem %+v among %+v", want, problems)
				}
				return
			}
			u := te.user(0)
			fg := te.graph(u, c.Graph.Nodes, c.Graph.Links)
			w := te.watch(fg.ID)
			ex := te.submit(u, fg, c.Inputs)
			got := w.until(ex.ID, nil)
			msg := ""
			if got.ErrorMessage != nil {
				msg = *got.ErrorMessage
			}
			require.Equal(t, c.Expect.Status, string(got.Status), "error: %s", msg)
			var outs map[string][]any
			require.NoError(t, json.Unmarshal(got.Outputs, &outs))
			for name, want := range c.Expect.Outputs {
				require.Equal(t, norm(want), norm(outs[name]), "output %s", name)
			}
			for name, want := range c.Expect.OutputsUnordered {
				require.ElementsMatch(t, norm(want), norm(outs[name]), "output %s", name)
			}
			for name, n := range c.Expect.OutputCounts {
				require.Len(t, outs[name], n, "output %s", name)
			}
			for _, name := range c.Expect.AbsentOutputs {
				require.Empty(t, outs[name], "output %s", name)
			}
			runs := te.nodeRuns(fg, ex.ID)
			for key, n := range c.Expect.NodeRuns {
				require.Len(t, runs[key], n, "node executions of %s", key)
			}
			for key, want := range c.Expect.NodeStatus {
				var st []string
				for _, ne := range runs[key] {
					st = append(st, string(ne.Status))
				}
				require.Equal(t, want, st, "statuses of %s", key)
			}
			if c.Expect.ErrorMentionsNode != "" {
				require.Contains(t, msg, `"`+c.Expect.ErrorMentionsNode+`"`)
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

// norm makes numbers compare as numbers (11 equals 11.0).
func norm(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		switch n := v.(type) {
		case int:
			out[i] = float64(n)
		case json.Number:
			f, _ := n.Float64()
			out[i] = f
		default:
			out[i] = v
		}
	}
	return out
}
