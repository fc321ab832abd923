package graphcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentgraph/agentgraph/internal/model"
)

// checkShape finds cycles (each strongly connected component with more than
// one node, or a self-loop, is one CYCLE problem naming its nodes), the
// absence of entry nodes, and nodes no entry node reaches.
func (v *validator) checkShape() {
	n := len(v.spec.Nodes)
	adj := make([][]int, n)
	indeg := make([]int, n)
	self := make([]bool, n)
	for _, l := range v.spec.Links {
		s, ok1 := v.byKey[l.SourceKey]
		t, ok2 := v.byKey[l.SinkKey]
		if !ok1 || !ok2 {
			continue
		}
		adj[s] = append(adj[s], t)
		indeg[t]++
		if s == t {
			self[s] = true
		}
	}
	for _, p := range cycleProblems(adj, self, func(i int) string { return v.spec.Nodes[i].Key }) {
		v.add(p)
	}
	var entries []int
	for i := 0; i < n; i++ {
		if indeg[i] == 0 {
			entries = append(entries, i)
		}
	}
	if len(entries) == 0 {
		v.add(model.Problem{Code: model.ProblemNoEntryNode, Message: "every node has an incoming link: there is nowhere to start"})
	}
	seen := make([]bool, n)
	queue := append([]int(nil), entries...)
	for _, e := range entries {
		seen[e] = true
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, next := range adj[cur] {
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	for i := 0; i < n; i++ {
		if !seen[i] {
			k := v.spec.Nodes[i].Key
			v.add(model.Problem{Code: model.ProblemUnreachableNode, NodeKeys: []string{k},
				Message: fmt.Sprintf("node %q cannot be reached from any entry node", k)})
		}
	}
}

// Cycles finds the cycles of a graph of n nodes named by key(i) and joined
// by links (source index, sink index): one CYCLE problem per strongly
// connected component of more than one node, or node linked to itself. The
// engine checks stored graphs with it: imported graphs may hold cycles.
func Cycles(n int, key func(int) string, links [][2]int) []model.Problem {
	adj := make([][]int, n)
	self := make([]bool, n)
	for _, l := range links {
		adj[l[0]] = append(adj[l[0]], l[1])
		if l[0] == l[1] {
			self[l[0]] = true
		}
	}
	return cycleProblems(adj, self, key)
}

func cycleProblems(adj [][]int, self []bool, key func(int) string) []model.Problem {
	var out []model.Problem
	for _, comp := range sccs(adj) {
		if len(comp) < 2 && !self[comp[0]] {
			continue
		}
		keys := make([]string, len(comp))
		for i, c := range comp {
			keys[i] = key(c)
		}
		slices.Sort(keys)
		out = append(out, model.Problem{Code: model.ProblemCycle, NodeKeys: keys,
			Message: fmt.Sprintf("nodes %s form a cycle", strings.Join(keys, " → "))})
	}
	return out
}

// sccs returns the strongly connected components (Tarjan, iterative so a
// long chain cannot overflow the stack).
func sccs(adj [][]int) [][]int {
	n := len(adj)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var out [][]int
	var tstack []int
	next := 0
	type frame struct{ v, i int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		tstack = append(tstack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(adj[f.v]) {
				w := adj[f.v][f.i]
				f.i++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					tstack = append(tstack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] && index[w] < low[f.v] {
					low[f.v] = index[w]
				}
				continue
			}
			vtx := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				if low[vtx] < low[p] {
					low[p] = low[vtx]
				}
			}
			if low[vtx] == index[vtx] {
				var c []int
				for {
					w := tstack[len(tstack)-1]
					tstack = tstack[:len(tstack)-1]
					onStack[w] = false
					c = append(c, w)
					if w == vtx {
						break
					}
				}
				out = append(out, c)
			}
		}
	}
	return out
}
