package server

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/internal/tracing"
)

// operationSpans gives every GraphQL operation a span ("mutation
// executeGraph", "query" for an anonymous one), a child of the request's
// traceparent header when it has one: the span the resolvers run under,
// which executeGraph hands to the run it stores. A query or mutation's
// span ends with its response (status Error, with the first error's code,
// when it has errors); a subscription's covers its start only, not the
// hours it may stream.
type operationSpans struct{ tracer trace.Tracer }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationSpans{}

func (operationSpans) ExtensionName() string                   { return "OperationSpans" }
func (operationSpans) Validate(graphql.ExecutableSchema) error { return nil }

func (o operationSpans) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	kind, opName := string(oc.Operation.Operation), oc.Operation.Name // the document's name, not the request's operationName
	name := strings.TrimSpace(kind + " " + opName)
	ctx = tracing.Extract(ctx, propagation.HeaderCarrier(oc.Headers))
	ctx, span := o.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer))
	if span.IsRecording() {
		span.SetAttributes(attribute.String("graphql.operation.type", kind),
			attribute.String("graphql.operation.name", opName))
	}
	responses := next(ctx)
	if oc.Operation.Operation == ast.Subscription {
		span.End()
		return responses
	}
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		once.Do(func() {
			if resp != nil && len(resp.Errors) > 0 {
				code, _ := resp.Errors[0].Extensions["code"].(string)
				span.SetStatus(codes.Error, code)
			}
			span.End()
		})
		return resp
	}
}
