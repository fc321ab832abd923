package tracing_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agentgraph/agentgraph/internal/tracing"
	"github.com/agentgraph/agentgraph/internal/tracing/otlpstub"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Without an endpoint (or with the SDK or the traces exporter turned off)
// there is no provider: a nil tracer, and methods that do nothing.
func TestFromEnvOff(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces", "OTEL_TRACES_EXPORTER": "none"},
	} {
		p, err := tracing.FromEnv(context.Background(), envOf(env), nil)
		require.NoError(t, err)
		require.Nil(t, p, "%v", env)
		require.Nil(t, p.Tracer())
		require.NoError(t, p.ForceFlush(context.Background()))
		require.NoError(t, p.Shutdown(context.Background()))
	}
}

// With an endpoint, spans reach an OTLP/HTTP receiver there, under the
// service name OTEL_SERVICE_NAME gives (default agentgraph).
func TestFromEnvExports(t *testing.T) {
	t.Parallel()
	stub := otlpstub.New()
	defer stub.Close()
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": stub.URL + "/", "OTEL_TRACES_SAMPLER": "always_on"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": stub.TracesURL, "OTEL_TRACES_SAMPLER": "always_on", "OTEL_SERVICE_NAME": "api-7"},
	} {
		p, err := tracing.FromEnv(context.Background(), envOf(env), nil)
		require.NoError(t, err)
		_, span := p.Tracer().Start(context.Background(), "work")
		span.End()
		require.NoError(t, p.Shutdown(context.Background()))
	}
	spans := stub.Spans()
	require.Len(t, spans, 2)
	require.Equal(t, "agentgraph", spans[0].Service)
	require.Equal(t, "api-7", spans[1].Service)
	require.Equal(t, "work", spans[1].Name)
}

// A setting the SDK would only log and replace stops the process with an
// error naming the variable; gRPC (not in the binary) is refused.
func TestFromEnvRefusesBadSettings(t *testing.T) {
	t.Parallel()
	for k, v := range map[string]string{
		"OTEL_TRACES_SAMPLER":                "sometimes",
		"OTEL_TRACES_SAMPLER_ARG":            "1.5",
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "grpc",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "carrier-pigeon",
	} {
		env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_SAMPLER": "traceidratio", k: v}
		p, err := tracing.FromEnv(context.Background(), envOf(env), nil)
		require.Error(t, err, "%s=%s", k, v)
		require.Nil(t, p)
		require.Contains(t, err.Error(), k)
	}
}

// OTEL_TRACES_SAMPLER and its argument, by the specification's names; the
// default is parent-based at DefaultRatio.
func TestSamplerFromEnv(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, arg string
		want      sdktrace.Sampler
	}{
		{"", "", sdktrace.ParentBased(sdktrace.TraceIDRatioBased(tracing.DefaultRatio))},
		{"always_on", "", sdktrace.AlwaysSample()},
		{"always_off", "", sdktrace.NeverSample()},
		{"traceidratio", "0.25", sdktrace.TraceIDRatioBased(0.25)},
		{"traceidratio", "", sdktrace.TraceIDRatioBased(1)},
		{"parentbased_always_on", "", sdktrace.ParentBased(sdktrace.AlwaysSample())},
		{"parentbased_always_off", "", sdktrace.ParentBased(sdktrace.NeverSample())},
		{"ParentBased_TraceIDRatio", "0.5", sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.5))},
	} {
		got, err := tracing.SamplerFromEnv(envOf(map[string]string{"OTEL_TRACES_SAMPLER": c.name, "OTEL_TRACES_SAMPLER_ARG": c.arg}))
		require.NoError(t, err)
		require.Equal(t, c.want.Description(), got.Description(), "%s %s", c.name, c.arg)
	}
}

// A run stores its submitter's traceparent; reading it back gives a
// context whose remote parent is that span. Nothing stored, or something
// malformed, starts a new trace.
func TestParentRoundTrip(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	defer span.End()
	tp0 := tracing.Parent(ctx)
	require.Equal(t, "00-"+span.SpanContext().TraceID().String()+"-"+span.SpanContext().SpanID().String()+"-01", tp0)
	_, child := tp.Tracer("t").Start(tracing.ContextFrom(tp0), "run")
	require.Equal(t, span.SpanContext().TraceID(), child.SpanContext().TraceID())
	require.Empty(t, tracing.Parent(context.Background()))
	for _, bad := range []string{"", "00-nothex-0000000000000000-01"} {
		_, root := tp.Tracer("t").Start(tracing.ContextFrom(bad), "run")
		require.NotEqual(t, span.SpanContext().TraceID(), root.SpanContext().TraceID())
	}
}
