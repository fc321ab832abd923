package server

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/resolvers"
)

// plainEvents is the websocket transport's Config.Plain: it renders the
// frames of an executionEvents subscription itself when every field
// selected on the event is a plain value of it, as plainLists does for
// lists. A run followed over the API sends about 90 frames, and gqlgen's
// executor spent more per frame (a field context, a closure and a boxed
// marshaler per field, a goroutine for the outputs resolver) than the
// frame's write. The output is what gqlgen writes, byte for byte: the
// fields gqlgen would collect, in its order, each value through the same
// marshaler, the outputs through their resolver's code
// (TestPlainEventsAsGqlgen compares the two). Anything else is left to
// gqlgen: another subscription, a field it does not know here (the
// SNAPSHOT's execution, the node), a deferred fragment, an error.
func plainEvents(res *resolvers.Resolver) func(*graphql.OperationContext) func(context.Context, any) ([]byte, bool) {
	return func(oc *graphql.OperationContext) func(context.Context, any) ([]byte, bool) {
		return plainEventsOf(res, oc)
	}
}

func plainEventsOf(res *resolvers.Resolver, oc *graphql.OperationContext) func(context.Context, any) ([]byte, bool) {
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return nil
	}
	roots := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})
	if len(roots) != 1 || roots[0].Name != "executionEvents" || len(roots[0].Deferrables) > 0 {
		return nil
	}
	fields := graphql.CollectFields(oc, roots[0].Selections, []string{"ExecutionEvent"})
	for _, f := range fields {
		if !plainEventFields[f.Name] || len(f.Arguments) > 0 || len(f.Deferrables) > 0 {
			return nil
		}
	}
	// ResolveFieldStream's envelope: {"alias":event}.
	head := append(appendQuoted([]byte{'{'}, roots[0].Alias), ':')
	size := 256
	return func(ctx context.Context, v any) ([]byte, bool) {
		ev, ok := v.(*gql.ExecutionEvent)
		if !ok || ev == nil {
			return nil, false
		}
		r := &render{ctx: ctx, oc: oc, buf: make([]byte, 0, size)}
		r.buf = append(r.buf, head...)
		if !r.event(res, fields, ev) {
			return nil, false
		}
		r.buf = append(r.buf, '}')
		size = max(size, len(r.buf)) // one drain at a time per operation
		return r.buf, true
	}
}

// plainEventFields are the ExecutionEvent fields event writes.
var plainEventFields = map[string]bool{"__typename": true, "seq": true, "kind": true, "executionId": true,
	"graphId": true, "status": true, "nodeId": true, "nodeExecutionId": true, "pin": true, "value": true,
	"valueTruncated": true, "error": true, "at": true, "outputs": true}

func (r *render) event(res *resolvers.Resolver, fields []graphql.CollectedField, ev *gql.ExecutionEvent) bool {
	return r.object("ExecutionEvent", fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "seq":
			return r.integer(ev.Seq)
		case "kind":
			// Enum values are names: quoting them escapes nothing, as in
			// gqlgen's MarshalGQL (strconv.Quote).
			return ev.Kind.IsValid() && r.str(string(ev.Kind))
		case "executionId":
			return r.id(ev.ExecutionID)
		case "graphId":
			return r.id(ev.GraphID)
		case "status":
			if ev.Status == nil {
				return r.null()
			}
			return ev.Status.IsValid() && r.str(string(*ev.Status))
		case "nodeId":
			return r.optional(ev.NodeID)
		case "nodeExecutionId":
			return r.optional(ev.NodeExecutionID)
		case "pin":
			return r.optional(ev.Pin)
		case "error":
			return r.optional(ev.Error)
		case "value":
			return r.optionalJSON(ev.Value)
		case "valueTruncated":
			return r.boolean(ev.ValueTruncated)
		case "at":
			return r.time(ev.At)
		case "outputs":
			out, err := res.EventOutputs(r.ctx, ev)
			return err == nil && r.optionalJSON(out)
		}
		return false
	})
}

// time writes a Time! as gqlgen's MarshalTime does, strconv.Quote of its
// RFC 3339 form, which holds nothing to escape; the zero time is null to
// gqlgen, an error for Time!: left to it.
func (r *render) time(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	r.buf = append(t.AppendFormat(append(r.buf, '"'), time.RFC3339Nano), '"')
	return true
}

func (r *render) null() bool {
	r.buf = append(r.buf, "null"...)
	return true
}

// optional writes a nullable String or ID.
func (r *render) optional(s *string) bool {
	if s == nil {
		return r.null()
	}
	return r.str(*s)
}

// optionalJSON writes a nullable JSON value (gqlgen: null only for nil).
func (r *render) optionalJSON(j gqlscalar.JSON) bool {
	if j == nil {
		return r.null()
	}
	j.MarshalGQL(r)
	return true
}
