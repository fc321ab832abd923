package autogpt_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/autogpt"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestExampleAgents imports AutoGPT's own example agents (the *.json files
// of autogpt_platform/backend/agents, copied into AUTOGPT_AGENTS_DIR; they
// are not part of this repository) and prints, per agent: the report's
// counts by kind, the blocks missing here (kept on UnavailableBlock),
// whether the stored graphs validate with no problem, and the import's
// time. Skipped when AUTOGPT_AGENTS_DIR is unset. It checks that every
// document imports: the figures are for docs/autogpt.md, not a timed test.
func TestExampleAgents(t *testing.T) {
	dir := os.Getenv("AUTOGPT_AGENTS_DIR")
	if dir == "" {
		t.Skip("AUTOGPT_AGENTS_DIR is not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	docs := make([][]byte, len(files))
	for i, f := range files {
		docs[i], err = os.ReadFile(f)
		require.NoError(t, err)
	}
	ctx := context.Background()
	store := db.New(testenv.Postgres(t))
	u, err := store.UserCreate(ctx, db.NewUser{Email: "examples-" + testenv.RandomSuffix(4) + "@example.com"})
	require.NoError(t, err)
	// Twice: with the blocks that exist here, then with a stand-in for
	// each missing one (its id, the pins the documents use), which shows
	// what stops an agent besides its missing blocks.
	here := blocks.Builtin()
	all, err := blocks.NewRegistry(append(blocks.BuiltinBlocks(), standIns(t, docs, here)...)...)
	require.NoError(t, err)
	for _, pass := range []struct {
		name string
		reg  *blocks.Registry
	}{{"blocks here", here}, {"every block (stand-ins for the missing ones)", all}} {
		gs := graphs.New(store, pass.reg)
		require.NoError(t, gs.SyncBlocks(ctx))
		svc := &autogpt.Service{Graphs: gs, Registry: pass.reg}
		t.Logf("== %s", pass.name)
		var imported, clean int
		missing := map[string]int{} // AutoGPT block → agents it stops
		largest, largestSize, largestTime := "", 0, time.Duration(0)
		for i, doc := range docs {
			name := filepath.Base(files[i])
			// Once to warm (each block's schema check is compiled on first
			// use), then timed, as a server importing its second agent.
			_, _ = svc.Import(ctx, u.ID, doc, nil)
			start := time.Now()
			res, err := svc.Import(ctx, u.ID, doc, nil)
			took := time.Since(start)
			switch {
			case err == nil:
				imported++
				counts := map[autogpt.Kind]int{}
				names := map[string]int{}
				for _, e := range res.Report {
					counts[e.Kind]++
					if e.Kind == autogpt.UnknownBlock {
						names[cmp.Or(e.Block, "unnamed")]++
					}
				}
				for n := range names {
					missing[n]++
				}
				ok := counts[autogpt.Cycle] == 0 && counts[autogpt.GraphProblem] == 0 && counts[autogpt.UnknownBlock] == 0
				if ok {
					clean++
				}
				t.Logf("%s %q: imported, %d nodes, %d sub-graphs, validates: %v, %v, report %s", name, res.Graph.Name,
					countNodes(doc), len(res.SubGraphs), ok, took.Round(100*time.Microsecond), sorted(counts))
				if len(names) > 0 {
					t.Logf("    blocks missing here: %s", sorted(names))
				}
				for _, e := range res.Report {
					if e.Kind == autogpt.Cycle || e.Kind == autogpt.GraphProblem || e.Kind == autogpt.SubGraphMatched {
						t.Logf("    %s %s", e.Kind, e.Message)
					}
				}
			default:
				t.Errorf("%s: %v", name, err)
			}
			if err == nil && len(doc) > largestSize {
				largest, largestSize, largestTime = name, len(doc), took
			}
		}
		t.Logf("imported %d of %d; %d validate with no problem", imported, len(files), clean)
		require.Equal(t, len(files), imported, "every document imports")
		if largest != "" {
			t.Logf("largest imported: %s (%d bytes) in %v (target ≤ 100ms)", largest, largestSize, largestTime.Round(100*time.Microsecond))
		}
		if len(missing) > 0 {
			t.Logf("missing blocks, by the number of agents that hold them: %s", sorted(missing))
		}
	}
}

// standIn stands for a block that does not exist here: its id, and the
// input and output pins the documents use. It never runs.
type standIn struct{ info blocks.Info }

func (s *standIn) Info() *blocks.Info { return &s.info }
func (s *standIn) Run(context.Context, *blocks.RunContext, map[string]any, blocks.Emit) error {
	return errors.New("a stand-in does not run")
}

// standIns makes one stand-in per block id the documents use that reg
// does not know.
func standIns(t *testing.T, docs [][]byte, reg *blocks.Registry) []blocks.Block {
	ins, outs := map[string]map[string]bool{}, map[string]map[string]bool{}
	add := func(m map[string]map[string]bool, id, pin string) {
		if m[id] == nil {
			m[id] = map[string]bool{}
		}
		m[id][pin] = true
	}
	var walk func(g *autogpt.Graph)
	walk = func(g *autogpt.Graph) {
		blockOf := map[string]string{}
		for _, n := range g.Nodes {
			blockOf[n.ID] = n.BlockID
			if _, ok := reg.ByID(n.BlockID); ok {
				continue
			}
			add(ins, n.BlockID, "")
			for k := range n.InputDefault {
				add(ins, n.BlockID, blocks.BasePin(k))
			}
		}
		for _, l := range g.Links {
			if _, ok := reg.ByID(blockOf[l.SinkID]); !ok {
				add(ins, blockOf[l.SinkID], blocks.BasePin(l.SinkName))
			}
			if _, ok := reg.ByID(blockOf[l.SourceID]); !ok {
				add(outs, blockOf[l.SourceID], l.SourceName)
			}
		}
		for i := range g.SubGraphs {
			walk(&g.SubGraphs[i])
		}
	}
	for _, doc := range docs {
		g, err := autogpt.Decode(doc)
		require.NoError(t, err)
		walk(g)
	}
	var out []blocks.Block
	for id, pins := range ins {
		schema := func(names map[string]bool) []byte {
			props := map[string]any{}
			for n := range names {
				if n != "" {
					props[n] = map[string]any{}
				}
			}
			raw, err := json.Marshal(map[string]any{"type": "object", "properties": props})
			require.NoError(t, err)
			return raw
		}
		o := map[string]bool{blocks.ErrorPin: true}
		for p := range outs[id] {
			o[p] = true
		}
		name := autogpt.BlockName(id)
		if name == "an unknown block" {
			name = "Missing_" + id[:8]
		}
		out = append(out, &standIn{info: blocks.Info{ID: id, Name: name, Description: "stand-in",
			Categories: []blocks.Category{blocks.CategoryUtility}, Type: blocks.TypeStandard,
			InputSchema: schema(pins), OutputSchema: schema(o)}})
	}
	return out
}

func countNodes(doc []byte) int {
	g, err := autogpt.Decode(doc)
	if err != nil {
		return 0
	}
	n := len(g.Nodes)
	for _, s := range g.SubGraphs {
		n += len(s.Nodes)
	}
	return n
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// sorted renders a count map in a stable order, most first.
func sorted[K ~string](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}
