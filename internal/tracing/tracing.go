// Package tracing sets up OpenTelemetry traces: an OTLP/HTTP exporter when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set, else nothing at all. A process without an endpoint has no Provider
// and hands its engine and server a nil tracer, so tracing costs it one nil
// check per run and per node execution, not a no-op span per call.
//
// The exporter reads the standard OTEL_EXPORTER_OTLP_* variables (headers,
// timeout, compression, TLS), the batch processor the OTEL_BSP_* ones, and
// the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the sampler
// is OTEL_TRACES_SAMPLER/OTEL_TRACES_SAMPLER_ARG, parsed here so that a
// wrong value stops the process with a clear error (sampler.go).
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName names the instrumentation scope of agentgraph's spans.
const ScopeName = "github.com/agentgraph/agentgraph"

// Options configure New.
type Options struct {
	// EndpointURL is the OTLP/HTTP traces URL (…/v1/traces); "" lets the
	// exporter read OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
	// OTEL_EXPORTER_OTLP_ENDPOINT.
	EndpointURL string
	// Sampler decides which traces are kept; nil: DefaultSampler.
	Sampler sdktrace.Sampler
	// ServiceName is the resource's service.name unless OTEL_SERVICE_NAME
	// says otherwise (default "agentgraph").
	ServiceName string
	// Logger receives the SDK's errors (an unreachable collector, spans
	// dropped); nil: they are discarded.
	Logger *slog.Logger
}

// Provider is a process's tracer provider. A nil *Provider is tracing off:
// its Tracer is nil and its other methods do nothing.
type Provider struct {
	tp *sdktrace.TracerProvider
}

// Enabled reports whether the environment asks for traces: an OTLP
// endpoint is set, OTEL_SDK_DISABLED is not true and OTEL_TRACES_EXPORTER
// is not "none".
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")), "none") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// FromEnv builds the process's provider from the OTEL_* variables; nil
// (and no error) when Enabled is false. Errors name the variable.
func FromEnv(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*Provider, error) {
	if !Enabled(getenv) {
		return nil, nil
	}
	// The exporter reads these itself; gRPC is refused here rather than
	// silently spoken as HTTP (the binary carries no gRPC exporter).
	for _, k := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(k)); p != "" && p != "http/protobuf" && p != "http/json" {
			return nil, fmt.Errorf("%s must be http/protobuf or http/json (gRPC is not supported), got %q", k, p)
		}
	}
	sampler, err := SamplerFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return New(ctx, Options{EndpointURL: endpointURL(getenv), Sampler: sampler, Logger: logger,
		ServiceName: getenv("OTEL_SERVICE_NAME")})
}

// endpointURL is where traces go, as the specification derives it: the
// traces endpoint as given, else the base endpoint's /v1/traces.
func endpointURL(getenv func(string) string) string {
	if u := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")); u != "" {
		return u
	}
	return strings.TrimRight(strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), "/") + "/v1/traces"
}

// New builds a provider exporting over OTLP/HTTP in batches (a full queue
// drops spans rather than blocking the engine).
func New(ctx context.Context, o Options) (*Provider, error) {
	var eopts []otlptracehttp.Option
	if o.EndpointURL != "" {
		eopts = append(eopts, otlptracehttp.WithEndpointURL(o.EndpointURL))
	}
	exp, err := otlptracehttp.New(ctx, eopts...)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	if o.ServiceName == "" {
		o.ServiceName = "agentgraph"
	}
	// Later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the default name.
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", o.ServiceName)),
		resource.WithHost(), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	if o.Sampler == nil {
		o.Sampler = DefaultSampler()
	}
	if o.Logger != nil {
		log := o.Logger
		// The SDK reports export failures through the global handler only.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("opentelemetry", "err", err) }))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res), sdktrace.WithSampler(o.Sampler))
	return &Provider{tp: tp}, nil
}

// Tracer is agentgraph's tracer; nil when p is nil (tracing off).
func (p *Provider) Tracer() trace.Tracer {
	if p == nil {
		return nil
	}
	return p.tp.Tracer(ScopeName)
}

// ForceFlush exports every span ended so far.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.tp.ForceFlush(ctx)
}

// Shutdown flushes what is left and stops exporting.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.tp.Shutdown(ctx)
}
