package gqlscalar

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/graphql"

	"github.com/agentgraph/agentgraph/internal/model"
)

// MarshalInt writes an Int (gqlgen's own).
func MarshalInt(i int) graphql.Marshaler { return graphql.MarshalInt(i) }

// UnmarshalInt reads an Int argument. GraphQL's Int is a signed 32-bit
// integer and the specification asks servers to refuse anything outside
// that range; gqlgen's own accepts the whole int64 range, which would only
// fail later, against an integer column.
func UnmarshalInt(v any) (int, error) {
	n, err := graphql.UnmarshalInt64(v)
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, &model.InputError{Message: "must be an integer from -2147483648 to 2147483647 (GraphQL's Int is 32-bit)"}
	}
	return int(n), nil
}

// MarshalFloatContext writes a Float (gqlgen's own).
func MarshalFloatContext(f float64) graphql.ContextMarshaler { return graphql.MarshalFloatContext(f) }

// UnmarshalFloatContext reads a Float argument. The strings "NaN" and
// "Infinity" pass GraphQL's own coercion but are no number a client means,
// and a stored one could not be written back out as JSON.
func UnmarshalFloatContext(ctx context.Context, v any) (float64, error) {
	f, err := graphql.UnmarshalFloatContext(ctx, v)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &model.InputError{Message: "must be a finite number"}
	}
	return f, nil
}
