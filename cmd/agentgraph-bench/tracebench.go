package main

import (
	"context"
	"fmt"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/internal/tracing"
	"github.com/agentgraph/agentgraph/internal/tracing/otlpstub"
)

// benchTrace is the engine bench's tracing (--trace-ratio): the product's
// provider (OTLP/HTTP exporter, batch processor with its defaults) sampling
// a share of new traces, exporting to a receiver in this process, which
// decodes what it gets (as a collector on the same machine would, it takes
// its share of the two cores).
type benchTrace struct {
	stub    *otlpstub.Stub
	p       *tracing.Provider
	ratio   float64
	counted int // spans already reported
}

// newBenchTrace starts tracing at ratio (parent-based, as the default
// sampler); nil for a negative ratio: no tracer, as without an endpoint.
func newBenchTrace(ctx context.Context, ratio float64) (*benchTrace, error) {
	if ratio < 0 {
		return nil, nil
	}
	stub := otlpstub.New()
	p, err := tracing.New(ctx, tracing.Options{EndpointURL: stub.TracesURL, ServiceName: "agentgraph-bench",
		Sampler: sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))})
	if err != nil {
		stub.Close()
		return nil, err
	}
	return &benchTrace{stub: stub, p: p, ratio: ratio}, nil
}

func (b *benchTrace) tracer() trace.Tracer {
	if b == nil {
		return nil
	}
	return b.p.Tracer()
}

// report flushes the spans of the scenario just run (out of its timing)
// and says how many of its runs were sampled and how many of their node
// spans arrived; the rest were dropped by the batch processor's full queue
// (OTEL_BSP_MAX_QUEUE_SIZE, 2,048 by default).
func (b *benchTrace) report(ctx context.Context, runs, nodesPerRun int) {
	if b == nil {
		return
	}
	if err := b.p.ForceFlush(ctx); err != nil {
		fmt.Printf("%-34s flushing spans: %v\n", "", err)
	}
	spans := b.stub.Spans()
	fresh := spans[b.counted:]
	b.counted = len(spans)
	sampled := map[string]bool{}
	nodes := 0
	for _, s := range fresh {
		if id, ok := s.Attrs["agentgraph.execution_id"].(string); ok {
			sampled[id] = true
		}
		if strings.HasPrefix(s.Name, "node ") {
			nodes++
		}
	}
	want := len(sampled) * nodesPerRun
	fmt.Printf("%-34s tracing at %g: %d of %d runs sampled; %d of their %d node spans received (%d dropped)\n", "",
		b.ratio, len(sampled), runs, nodes, want, want-nodes)
}

func (b *benchTrace) close() {
	if b == nil {
		return
	}
	_ = b.p.Shutdown(context.Background())
	b.stub.Close()
}
