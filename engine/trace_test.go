package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/logging"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/tracing"
	"github.com/agentgraph/agentgraph/internal/tracing/otlpstub"
)

// tracer exports to stub as service name, sampling with s.
func tracer(t *testing.T, stub *otlpstub.Stub, name string, s sdktrace.Sampler) *tracing.Provider {
	t.Helper()
	p, err := tracing.New(context.Background(), tracing.Options{EndpointURL: stub.TracesURL, Sampler: s, ServiceName: name})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// syncBuffer is a log destination written by the engine's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// A run is one trace across the engines that run it: it stores the trace
// context it was submitted under; the engine that claims it starts a run
// span under that context, with a node span per block run; a second engine
// taking the run over (after the first handed it back) starts its own run
// span under the same stored context, so its nodes land in the same trace.
// The process's JSON log line about the run carries its execution and
// trace ids.
func TestRunTraceContinuesAcrossEngines(t *testing.T) {
	t.Parallel()
	stub := otlpstub.New()
	defer stub.Close()
	pa := tracer(t, stub, "engine-a", sdktrace.AlwaysSample())
	pb := tracer(t, stub, "engine-b", sdktrace.AlwaysSample())
	e := newEnv(t, Options{})
	e.eng.Stop() // engines A and B below run the run
	logs := &syncBuffer{}
	ea := New(e.store, e.reg, e.pub, logging.New(logs, logging.FormatJSON, slog.LevelInfo),
		Options{Tracer: pa.Tracer(), ShutdownGrace: 50 * time.Millisecond, PollInterval: 100 * time.Millisecond})
	require.NoError(t, ea.Start(context.Background()))
	t.Cleanup(ea.Stop)
	u := e.user(0)
	gate, g := newGate(t)
	fg := e.graph(u, []nspec{
		{Key: "a", Block: "StoreValueBlock", Defaults: map[string]any{"input": 1}},
		{Key: "g", Block: "TestGateBlock", Defaults: map[string]any{"gate": gate}},
		{Key: "b", Block: "StoreValueBlock"},
	}, []lspec{{Source: "a", SourceName: "output", Sink: "g", SinkName: "input"},
		{Source: "g", SourceName: "output", Sink: "b", SinkName: "input"}})
	nodeA := fg.Nodes[0].ID.String()
	w := e.watch(fg.ID)

	// The operation the run is submitted under (an API process's span).
	ctx, op := pa.Tracer().Start(context.Background(), "operation")
	ex, err := ea.Submit(ctx, u.ID, fg.ID, 0, nil, model.UserContext{})
	require.NoError(t, err)
	op.End()
	opc := op.SpanContext()
	require.Equal(t, "00-"+opc.TraceID().String()+"-"+opc.SpanID().String()+"-01", e.exec(ex.ID).TraceContext)

	// Engine A runs a, then holds g; it stops and hands the run back.
	w.until(ex.ID, func(ev events.Event) bool {
		return ev.Kind == events.KindNodeStatus && ev.NodeID == nodeA && ev.Status == string(model.StatusCompleted)
	})
	g.waitEntered(t)
	ea.Stop()
	// Engine B takes it over and finishes it.
	eb := New(e.store, e.reg, e.pub, nil, Options{Tracer: pb.Tracer(), PollInterval: 100 * time.Millisecond})
	require.NoError(t, eb.Start(context.Background()))
	t.Cleanup(eb.Stop)
	g.waitEntered(t)
	close(g.release)
	require.Equal(t, model.StatusCompleted, w.until(ex.ID, nil).Status)

	flush, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	spans, err := stub.WaitFor(flush, func(s []otlpstub.Span) bool {
		// A run's span ends after its terminal event is published.
		_, _ = pa.ForceFlush(flush), pb.ForceFlush(flush)
		return len(s) >= 7
	})
	require.NoError(t, err, "spans: %+v", spans)
	require.Len(t, spans, 7, "operation, 2 runs, a and g on A, g and b on B")

	runs := map[string]otlpstub.Span{} // by service
	for _, s := range spans {
		require.Equal(t, opc.TraceID().String(), s.TraceID, "span %s of %s is in the run's trace", s.Name, s.Service)
		if s.Name == "run" {
			require.Equal(t, opc.SpanID().String(), s.ParentSpanID, "a run span is a child of the stored context")
			require.Equal(t, ex.ID.String(), s.Attrs["agentgraph.execution_id"])
			runs[s.Service] = s
		}
	}
	require.Len(t, runs, 2)
	require.Equal(t, false, runs["engine-a"].Attrs["agentgraph.resumed"])
	require.Equal(t, true, runs["engine-a"].Attrs["agentgraph.abandoned"])
	require.Equal(t, true, runs["engine-b"].Attrs["agentgraph.resumed"])
	require.Equal(t, "COMPLETED", runs["engine-b"].Attrs["agentgraph.status"])

	type nodeSpan struct{ service, name, status string }
	var nodes []nodeSpan
	for _, s := range spans {
		if !strings.HasPrefix(s.Name, "node ") {
			continue
		}
		require.Equal(t, runs[s.Service].SpanID, s.ParentSpanID, "node span %s is a child of its engine's run span", s.Name)
		require.Equal(t, strings.TrimPrefix(s.Name, "node "), s.Attrs["agentgraph.block"])
		require.Equal(t, int64(0), s.Attrs["agentgraph.cost"])
		require.NotEmpty(t, s.Attrs["agentgraph.node_execution_id"])
		nodes = append(nodes, nodeSpan{s.Service, s.Name, s.Attrs["agentgraph.status"].(string)})
	}
	require.ElementsMatch(t, []nodeSpan{
		{"engine-a", "node StoreValueBlock", "COMPLETED"},
		{"engine-a", "node TestGateBlock", "RUNNING"}, // interrupted by the hand-back: B runs it again
		{"engine-b", "node TestGateBlock", "COMPLETED"},
		{"engine-b", "node StoreValueBlock", "COMPLETED"},
	}, nodes)

	var abandoned map[string]any
	for _, l := range logs.lines() {
		if l["msg"] == "run abandoned locally" {
			abandoned = l
		}
	}
	require.NotNil(t, abandoned, "engine A logs the hand-back")
	require.Equal(t, ex.ID.String(), abandoned["execution_id"])
	require.Equal(t, opc.TraceID().String(), abandoned["trace_id"])
	require.Equal(t, runs["engine-a"].SpanID, abandoned["span_id"])
}

// An engine without a tracer stores no trace context, even for a submit
// made under a span; a traced engine whose sampler keeps nothing stores the
// (unsampled) context and exports no span.
func TestTraceContextOnlyWithATracer(t *testing.T) {
	t.Parallel()
	stub := otlpstub.New()
	defer stub.Close()
	never := tracer(t, stub, "never", sdktrace.NeverSample())
	ctx, op := never.Tracer().Start(context.Background(), "operation")
	defer op.End()
	require.True(t, op.SpanContext().IsValid())

	for _, tr := range []trace.Tracer{nil, never.Tracer()} {
		e := newEnv(t, Options{Tracer: tr})
		u := e.user(0)
		fg := e.graph(u, ch(chainOf("StoreValueBlock", nil, 3)))
		w := e.watch(fg.ID)
		ex, err := e.eng.Submit(ctx, u.ID, fg.ID, 0, map[string]any{"x": 1}, model.UserContext{})
		require.NoError(t, err)
		require.Equal(t, model.StatusCompleted, w.until(ex.ID, nil).Status)
		if tr == nil {
			require.Empty(t, e.exec(ex.ID).TraceContext)
		} else {
			require.Equal(t, tracing.Parent(ctx), e.exec(ex.ID).TraceContext)
			require.True(t, strings.HasSuffix(e.exec(ex.ID).TraceContext, "-00"), "not sampled")
		}
	}
	require.NoError(t, never.ForceFlush(context.Background()))
	require.Empty(t, stub.Spans())
}
