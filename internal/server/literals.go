package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// numberLiterals refuses a number written in the operation that cannot be
// read: an integer past 64 bits or a float past float64 (1e400). GraphQL
// validation checks such literals only where the argument is an Int or a
// Float; inside a JSON value (inputs: {x: 1e400}) they reach gqlgen's
// argument reader, which panics on them. Variables never get here: JSON
// decoding keeps their numbers as text and the scalars check them.
type numberLiterals struct{}

func (numberLiterals) ExtensionName() string                   { return "NumberLiterals" }
func (numberLiterals) Validate(graphql.ExecutableSchema) error { return nil }
func (numberLiterals) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Doc == nil {
		return nil
	}
	for _, op := range oc.Doc.Operations {
		if err := checkSelection(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range oc.Doc.Fragments {
		if err := checkSelection(f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

func checkSelection(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if err := checkLiteral(a.Value, ast.Path{ast.PathName(a.Name)}); err != nil {
					return err
				}
			}
			if err := checkSelection(s.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := checkSelection(s.SelectionSet); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLiteral finds an unreadable number in v, which sits at path in the
// arguments of a field. The error is a request error (nothing ran), so it
// has locations and no path.
func checkLiteral(v *ast.Value, path ast.Path) *gqlerror.Error {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.IntValue, ast.FloatValue:
		if _, err := v.Value(nil); err != nil {
			arg := argumentPath(path)
			e := gqlerror.ErrorPosf(v.Position, "%s: the number %.40s is too large: integers are 64-bit at most, other numbers 64-bit floats", arg, v.Raw)
			e.Extensions = map[string]any{"code": CodeBadUserInput, "field": arg}
			return e
		}
	case ast.ListValue:
		for i, c := range v.Children {
			if err := checkLiteral(c.Value, append(path[:len(path):len(path)], ast.PathIndex(i))); err != nil {
				return err
			}
		}
	case ast.ObjectValue:
		for _, c := range v.Children {
			if err := checkLiteral(c.Value, append(path[:len(path):len(path)], ast.PathName(c.Name))); err != nil {
				return err
			}
		}
	}
	return nil
}
