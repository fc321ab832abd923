package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// w3c reads and writes the W3C traceparent header (stateless).
var w3c propagation.TraceContext

// Parent is the W3C traceparent of ctx's span ("" when ctx has none):
// what a run stores so that whoever runs it continues the trace.
func Parent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	w3c.Inject(ctx, c)
	return c.Get("traceparent")
}

// ContextFrom is a context whose (remote) parent span is the one
// traceparent names; a background context when it is empty or malformed,
// so a span started from it begins a new trace.
func ContextFrom(traceparent string) context.Context {
	if traceparent == "" {
		return context.Background()
	}
	return w3c.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent})
}

// Extract is ctx with the remote parent that carrier's traceparent header
// names (a client's or a proxy's), if any.
func Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	return w3c.Extract(ctx, carrier)
}
