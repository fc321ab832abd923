package server

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Default operation size limits (MAX_FIELDS, MAX_ALIASES).
const (
	DefaultMaxFields  = 1000
	DefaultMaxAliases = 1000
)

// sizeLimit refuses a document that selects more than maxFields fields or
// aliases more than maxAliases of them, counted over the whole document
// with fragment spreads expanded. It runs before gqlgen validates the
// document, and that is the point: validation (overlapping fields) is
// quadratic in the fields sharing a response name, so 40,000 `__typename`
// took 11s of CPU to validate (12,000 `me { id }` 30s), and 10,000 aliases
// 0.4s to execute. At 1,000 fields the worst shape measured (1,000
// `__typename`) validates in about 0.1s on a loaded machine.
//
// It parses the query itself (gqlgen's parse comes after the parameter
// mutators), except for a query already in gqlgen's cache of validated
// documents: that one passed here before. A query that does not parse is
// answered here, as gqlgen would (GRAPHQL_PARSE_FAILED).
type sizeLimit struct {
	maxFields, maxAliases int
	validated             graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = sizeLimit{}

func (sizeLimit) ExtensionName() string                   { return "OperationSizeLimit" }
func (sizeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l sizeLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // a persisted-query miss; gqlgen answers it
	}
	if _, ok := l.validated.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, MaxParserTokens)
	if err != nil {
		// gqlgen's own parse would fail the same way: answer as it would,
		// rather than parse a broken (possibly huge) query twice.
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) {
			errcode.Set(gerr, errcode.ParseFailed)
			return gerr
		}
		return nil
	}
	n := countSelections(doc, l.maxFields, l.maxAliases)
	switch { // aliases first: the more specific diagnosis when both are over
	case n.aliases > l.maxAliases:
		return tooLarge("aliases", l.maxAliases)
	case n.fields > l.maxFields:
		return tooLarge("fields", l.maxFields)
	}
	return nil
}

func tooLarge(what string, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("operation too large: the document has more than %d %s (fragment spreads expanded); "+
		"the limit is %d per request", limit, what, limit)
	err.Extensions = map[string]any{"code": CodeBadUserInput, "limit": what, "max": limit}
	return err
}

// selections counts fields, and fields under an alias, saturating just past
// the limits: fragment expansion can be exponential in a document's size
// (a fragment spreading another twice, thirty deep), so counts only need to
// say "more than the limit".
type selections struct{ fields, aliases int }

func (s selections) add(o selections, maxFields, maxAliases int) selections {
	return selections{fields: min(s.fields+o.fields, maxFields+1), aliases: min(s.aliases+o.aliases, maxAliases+1)}
}

// countSelections counts the whole document: the larger of its operations
// with spreads expanded and its field nodes as written. The second covers
// fragments no operation uses (validation refuses them, but only after
// validating them). Each fragment is counted once and remembered, so the
// walk is linear in the document; a spread of a fragment being expanded is
// a cycle, which validation refuses, and counts nothing here.
func countSelections(doc *ast.QueryDocument, maxFields, maxAliases int) selections {
	c := counter{
		maxFields: maxFields, maxAliases: maxAliases,
		frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo:  map[string]selections{}, active: map[string]bool{},
	}
	for _, f := range doc.Fragments {
		if c.frags[f.Name] == nil { // validation refuses duplicates; the first is as good as any
			c.frags[f.Name] = f
		}
	}
	var expanded, written selections
	for _, op := range doc.Operations {
		expanded = expanded.add(c.set(op.SelectionSet, true), maxFields, maxAliases)
		written = written.add(c.set(op.SelectionSet, false), maxFields, maxAliases)
	}
	for _, f := range doc.Fragments {
		written = written.add(c.set(f.SelectionSet, false), maxFields, maxAliases)
	}
	return selections{fields: max(expanded.fields, written.fields), aliases: max(expanded.aliases, written.aliases)}
}

type counter struct {
	maxFields, maxAliases int
	frags                 map[string]*ast.FragmentDefinition
	memo                  map[string]selections // expanded counts of fragments
	active                map[string]bool       // fragments being expanded
}

func (c *counter) set(set ast.SelectionSet, expand bool) selections {
	var n selections
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = n.add(selections{fields: 1}, c.maxFields, c.maxAliases)
			if s.Alias != "" && s.Alias != s.Name {
				n = n.add(selections{aliases: 1}, c.maxFields, c.maxAliases)
			}
			n = n.add(c.set(s.SelectionSet, expand), c.maxFields, c.maxAliases)
		case *ast.InlineFragment:
			n = n.add(c.set(s.SelectionSet, expand), c.maxFields, c.maxAliases)
		case *ast.FragmentSpread:
			if expand {
				n = n.add(c.fragment(s.Name), c.maxFields, c.maxAliases)
			}
		}
	}
	return n
}

func (c *counter) fragment(name string) selections {
	if n, ok := c.memo[name]; ok {
		return n
	}
	f := c.frags[name]
	if f == nil || c.active[name] {
		return selections{} // unknown or cyclic: validation refuses the document
	}
	c.active[name] = true
	n := c.set(f.SelectionSet, true)
	delete(c.active, name)
	c.memo[name] = n
	return n
}
