package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/agentgraph/agentgraph/internal/authz"
)

// authorize enforces authz.Root before any root field's resolver runs, so a
// resolver cannot forget it. Queries and mutations pass through gqlgen's
// root-field interceptor; subscriptions do not, so authorizedSchema checks
// theirs as the operation starts. Object fields are not intercepted: the
// check costs nothing per field of a result, nor per event of a stream.
type authorize struct{ rules map[string]authz.Level }

var _ graphql.RootFieldInterceptor = authorize{}

func (authorize) ExtensionName() string                   { return "Authorize" }
func (authorize) Validate(graphql.ExecutableSchema) error { return nil }

func (a authorize) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	field := graphql.GetRootFieldContext(ctx).Field
	object := graphql.GetFieldContext(ctx).Object // the operation's type: Query or Mutation
	if err := a.check(ctx, object, field.Name); err != nil {
		refuse(ctx, object, field, err)
		return graphql.Null // what a root field whose resolver failed resolves to
	}
	return next(ctx)
}

// check returns why the caller may not call object.field, or nil.
func (a authorize) check(ctx context.Context, object, field string) error {
	if strings.HasPrefix(field, "__") {
		return nil // introspection is public: third parties learn the API from it
	}
	level, ok := a.rules[object+"."+field]
	if !ok {
		// Fail closed; internal/server's tests catch this before it ships.
		return fmt.Errorf("no authorization rule for %s.%s", object, field)
	}
	if _, err := authz.Require(ctx, level); err != nil {
		return err
	}
	// A scoped API key must also hold the field's permission.
	perm, ok := authz.RootPermission[object+"."+field]
	if !ok {
		return fmt.Errorf("no API-key permission rule for %s.%s", object, field)
	}
	return authz.RequirePermission(ctx, perm)
}

// refuse reports err on the field exactly as gqlgen reports a resolver's
// error: with the field's path and location, through the error presenter.
func refuse(ctx context.Context, object string, field graphql.CollectedField, err error) {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: object, Field: field})
	graphql.AddError(ctx, graphql.AddFieldLocationToError(ctx, err))
}

// authorizedSchema checks a subscription's root field before the schema
// starts its resolver. It must forward every optional interface the
// generated schema implements (today none: a test checks).
type authorizedSchema struct {
	graphql.ExecutableSchema
	authorize authorize
}

func (s authorizedSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation.Operation == ast.Subscription {
		for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"}) {
			if err := s.authorize.check(ctx, "Subscription", f.Name); err != nil {
				// The executor answers the errors of ctx and never calls this.
				refuse(ctx, "Subscription", f, err)
				return func(context.Context) *graphql.Response { return nil }
			}
		}
	}
	return s.ExecutableSchema.Exec(ctx)
}
