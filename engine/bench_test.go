package engine

import (
	"testing"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// BenchmarkChain40x50: one op = 50 concurrent runs of a 40-node
// StoreValueBlock chain (2,000 node executions), synchronous_commit on.
// Reports node-exec/s. Run: go test -run '^$' -bench . -benchtime 3x ./engine/
func BenchmarkChain40x50(b *testing.B) {
	done := make(chan uuid.UUID, 1<<12)
	e := newEnv(b, Options{MaxRuns: 64, OnRunEnd: func(id uuid.UUID, _ model.Status) { done <- id }})
	u := e.user(0)
	fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 38))) // + input and output nodes = 40
	b.ResetTimer()
	for range b.N {
		for range 50 {
			e.submit(u, fg, map[string]any{"x": 1})
		}
		for range 50 {
			<-done
		}
	}
	b.ReportMetric(float64(b.N*50*40)/b.Elapsed().Seconds(), "node-exec/s")
}
