package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// argumentError recognises an error raised while gqlgen read a field's
// arguments (a scalar refused a value, see internal/gqlscalar): gqlgen
// reports it with the field's path followed by the argument's. It returns
// the argument's path the way clients name it (input.nodes[2].inputDefault)
// and moves the error's path back to the field, where the GraphQL
// specification puts it (path is a path in the response), with the field's
// location.
func argumentError(ctx context.Context, gerr *gqlerror.Error) (string, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return "", false
	}
	field := fc.Path()
	if len(gerr.Path) <= len(field) {
		return "", false
	}
	for i := range field {
		if gerr.Path[i] != field[i] {
			return "", false
		}
	}
	arg := argumentPath(gerr.Path[len(field):])
	gerr.Path = field
	if pos := fc.Field.Position; pos != nil && pos.Line > 0 && gerr.Locations == nil {
		gerr.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return arg, true
}

// argumentPath writes an argument's path: names joined by dots, list
// indexes in brackets.
func argumentPath(p ast.Path) string {
	var sb strings.Builder
	for _, el := range p {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&sb, "[%d]", int(el))
		case ast.PathName:
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(string(el))
		}
	}
	return sb.String()
}
