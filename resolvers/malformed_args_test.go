package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestMalformedArgumentsNeverAnswerInternal walks the executable schema:
// every argument of every query and mutation, and every field of the input
// objects and lists inside them, gets malformed values (NUL characters, lone
// UTF-16 surrogates written as JSON escapes, numbers past every column's
// range, values of the wrong shape, malformed ids, times and enum values,
// 1 MB strings) while every other argument is valid, sent as an ADMIN
// through the real HTTP handler. INTERNAL means a bug of ours (DESIGN.md),
// so no answer may carry it, nor a 5xx status. Fields added to the schema
// are covered without touching this test; only their valid values may need
// an entry in validValue.
func TestMalformedArgumentsNeverAnswerInternal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fx := newFuzzFixtures(t, b)

	// Four calls at a time keep the test short. Most are refused before
	// they change anything; the few accepted (a lone surrogate is read as
	// U+FFFD) change only what concurrent clients may change too.
	calls := make(chan fuzzCall)
	var (
		mu       sync.Mutex
		failures []string
		wg       sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for c := range calls {
				if msg := fx.check(c); msg != "" {
					mu.Lock()
					failures = append(failures, msg)
					mu.Unlock()
				}
			}
		})
	}
	sent := 0
	for _, f := range fx.rootFields() {
		for _, arg := range f.field.Arguments {
			for _, pos := range positions(fx.schema, arg.Type, []any{arg.Name}) {
				for _, v := range malformedValues(fx.schema, pos.typ) {
					// In variables, and written in the operation when that reads
					// differently.
					calls <- fuzzCall{root: f.root, field: f.field, arg: arg, at: pos.path, value: &v}
					sent++
					if v.literal {
						calls <- fuzzCall{root: f.root, field: f.field, arg: arg, at: pos.path, value: &v, literal: true}
						sent++
					}
				}
			}
		}
	}
	close(calls)
	wg.Wait()
	t.Logf("%d malformed requests sent", sent)
	require.Greater(t, sent, 800, "the walk must reach every argument")
	require.Empty(t, failures, "%d requests were answered badly:\n%s", len(failures), strings.Join(failures, "\n"))

	// The same calls with nothing malformed succeed: a malformed value was
	// refused for itself, not hidden behind an error of its neighbours.
	// Destructive fields come last, so they run after everything that uses
	// the fixtures they delete.
	for _, f := range fx.rootFields() {
		for _, arg := range f.field.Arguments {
			if msg := fx.check(fuzzCall{root: f.root, field: f.field, arg: arg}); msg != "" {
				failures = append(failures, msg)
			}
		}
	}
	require.Empty(t, failures, "valid arguments were refused:\n%s", strings.Join(failures, "\n"))
}

type rootField struct {
	root  *ast.Definition
	field *ast.FieldDefinition
}

// rootFields lists every query and mutation, the destructive ones last, in
// an order where none removes what a later one uses (deleting the graph
// deletes its runs).
func (fx *fuzzFixtures) rootFields() []rootField {
	destructive := []string{"unshareExecution", "revokeAPIKey", "deactivateUser", "deleteCredential", "deleteAlertRule", "deleteGraph"}
	var out []rootField
	last := make([]rootField, len(destructive))
	for _, root := range []*ast.Definition{fx.schema.Query, fx.schema.Mutation} {
		for _, f := range root.Fields {
			switch i := slices.Index(destructive, f.Name); {
			case strings.HasPrefix(f.Name, "__"):
			case i >= 0:
				last[i] = rootField{root, f}
			default:
				out = append(out, rootField{root, f})
			}
		}
	}
	for _, f := range last {
		require.NotNil(fx.t, f.field, "a destructive field is missing from the schema")
	}
	return append(out, last...)
}

// rawJSON is written into the request body as is: how a lone surrogate
// escape or a number outside float64 reaches the server, which Go values
// could not express.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// malformed is one bad value. mustRefuse says the server has to answer it
// with an error whose code is BAD_USER_INPUT and whose extensions.field
// names the value's path (a NUL can never be stored, whatever the field).
// literal says it is also sent written in the operation, where it reads
// differently than in variables (GraphQL's literal syntax, gqlparser's own
// number parsing); values of the wrong shape, refused by GraphQL validation
// alike either way, are sent in variables only.
type malformed struct {
	name       string
	value      any
	mustRefuse bool
	literal    bool
}

// position is a place a value goes: an argument, an input field, a list item.
type position struct {
	path []any // argument name, then input field names and list indexes
	typ  *ast.Type
}

// positions lists typ's position at path and every position inside it.
func positions(schema *ast.Schema, typ *ast.Type, path []any) []position {
	out := []position{{path: path, typ: typ}}
	if typ.Elem != nil {
		return append(out, positions(schema, typ.Elem, appendPath(path, 0))...)
	}
	def := schema.Types[typ.NamedType]
	if def.Kind == ast.InputObject {
		for _, f := range def.Fields {
			out = append(out, positions(schema, f.Type, appendPath(path, f.Name))...)
		}
	}
	return out
}

func appendPath(path []any, el any) []any { return append(append([]any{}, path...), el) }

// malformedValues are the bad values tried at a position of type typ: for
// each kind of value, the ones that take different paths through GraphQL
// coercion, the scalars and PostgreSQL.
func malformedValues(schema *ast.Schema, typ *ast.Type) []malformed {
	if typ.Elem != nil {
		// One value is coerced to a list of it, so only its items can be wrong.
		return []malformed{{name: "a number where a list is expected", value: rawJSON("1e400")}}
	}
	shapes := []malformed{
		{name: "1e400", value: rawJSON("1e400")},
		{name: "-2^63-1", value: rawJSON("-9223372036854775809")},
		{name: "an object", value: map[string]any{"a": 1}},
		{name: "a list", value: []any{1, "x"}},
	}
	text := append([]malformed{
		{name: "NUL in a string", value: "a\x00b", mustRefuse: true, literal: true},
		{name: "a lone surrogate", value: rawJSON(`"a\ud800b"`), literal: true},
		{name: "a lone low surrogate", value: rawJSON(`"\udc00"`)},
		{name: "1 MB string", value: strings.Repeat("x", 1<<20)},
	}, shapes...)
	switch def := schema.Types[typ.NamedType]; {
	case def.Kind == ast.InputObject:
		return []malformed{
			{name: "a string for an object", value: "x"},
			{name: "an unknown field", value: map[string]any{"noSuchField": 1}},
		}
	case def.Kind == ast.Enum:
		return append(shapes, malformed{name: "an unknown enum value", value: "NOPE", literal: true},
			malformed{name: "NUL in an enum value", value: def.EnumValues[0].Name + "\x00"})
	}
	switch typ.NamedType {
	case "String":
		return text
	case "ID":
		return append(text,
			malformed{name: "a malformed id", value: "nope", literal: true},
			malformed{name: "an empty id", value: ""},
			malformed{name: "a numeric id", value: rawJSON("12"), literal: true},
			malformed{name: "a numeric id past int64", value: rawJSON("9223372036854775808"), literal: true})
	case "Int":
		return append(shapes,
			malformed{name: "2^31", value: rawJSON("2147483648"), literal: true},
			malformed{name: "-2^31-1", value: rawJSON("-2147483649")},
			malformed{name: "2^63", value: rawJSON("9223372036854775808"), literal: true},
			malformed{name: "NUL in a string", value: "1\x00"},
			malformed{name: "a string", value: "abc"},
			malformed{name: "a numeric string past int64", value: "99999999999999999999"},
			malformed{name: "a fraction", value: rawJSON("1.5"), literal: true})
	case "Float":
		return append(shapes,
			malformed{name: "-1e400", value: rawJSON("-1e400"), literal: true},
			malformed{name: "NaN as a string", value: "NaN", mustRefuse: true},
			malformed{name: "Infinity as a string", value: "-Infinity", mustRefuse: true})
	case "Boolean":
		return []malformed{{name: "a string", value: "true"}, {name: "a number", value: rawJSON("1")}}
	case "Time":
		return append(text,
			malformed{name: "not a time", value: "nope", mustRefuse: true, literal: true},
			malformed{name: "February 30th", value: "2024-02-30T00:00:00Z", mustRefuse: true},
			malformed{name: "no time zone", value: "2024-02-01T00:00:00", mustRefuse: true},
			malformed{name: "year 10000", value: "10000-01-01T00:00:00Z", mustRefuse: true},
			malformed{name: "an empty time", value: "", mustRefuse: true, literal: true})
	case "JSON":
		return []malformed{
			{name: "NUL in a JSON string", value: rawJSON(`{"a":"x\u0000y"}`), mustRefuse: true, literal: true},
			{name: "NUL in a JSON key", value: rawJSON(`{"a\u0000":1}`), mustRefuse: true},
			{name: "NUL deep in JSON", value: rawJSON(`{"a":[{"b":["\u0000"]}]}`), mustRefuse: true, literal: true},
			{name: "NUL as the JSON value", value: rawJSON(`"\u0000"`), mustRefuse: true},
			{name: "a lone surrogate in JSON", value: rawJSON(`{"a":"\ud800"}`)},
			{name: "a lone surrogate JSON key", value: rawJSON(`{"\udfff":1}`)},
			{name: "1e400 in JSON", value: rawJSON(`{"a":1e400}`), literal: true},
			{name: "1e400 as the JSON value", value: rawJSON(`1e400`), literal: true},
			{name: "2^63 in JSON", value: rawJSON(`{"a":9223372036854775808}`), literal: true},
			{name: "-2^63-1 in JSON", value: rawJSON(`{"a":[-9223372036854775809]}`), literal: true},
			{name: "a long number in JSON", value: rawJSON(`{"a":1` + strings.Repeat("0", 5000) + `}`)},
			{name: "a string for an object", value: "x"},
			{name: "a list for an object", value: []any{1}},
			{name: "deep JSON", value: rawJSON(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000))},
			{name: "1 MB string in JSON", value: map[string]any{"a": strings.Repeat("x", 1<<20)}},
		}
	}
	return text
}

// fuzzCall is one request: field called with valid arguments except the
// value at path at.
type fuzzCall struct {
	root  *ast.Definition
	field *ast.FieldDefinition
	arg   *ast.ArgumentDefinition
	at    []any
	value *malformed // nil: nothing malformed, the call must succeed
	// literal writes the arguments in the operation instead of variables.
	literal bool
}

// dotted writes a path the way extensions.field names it: input.nodes[0].key.
func dotted(path []any) string {
	var sb strings.Builder
	for i, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&sb, "[%d]", p)
		default:
			if i > 0 {
				sb.WriteByte('.')
			}
			fmt.Fprint(&sb, p)
		}
	}
	return sb.String()
}

// short writes a value for a failure message: as JSON, cut after 60 bytes.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	if len(b) > 60 {
		return fmt.Sprintf("%s… (%d bytes)", b[:60], len(b))
	}
	return string(b)
}

// check sends c and returns what was wrong with the answer, or "".
func (fx *fuzzFixtures) check(c fuzzCall) string {
	var decls, args []string
	vars := map[string]any{}
	for i, a := range c.field.Arguments {
		key := c.root.Name + "." + c.field.Name + "." + a.Name
		if _, needed := fx.validValue(key); a.Name != c.arg.Name && !a.Type.NonNull && !needed {
			continue // optional, not the one under test, and fine omitted
		}
		var v any
		if c.value == nil {
			v = fx.build(a.Type, key, []any{a.Name}, nil, nil)
		} else {
			v = fx.build(a.Type, key, []any{a.Name}, c.at, c.value.value)
		}
		if c.literal {
			lit, ok := fx.literal(a.Type, v)
			if !ok {
				return "" // a literal cannot write this value
			}
			args = append(args, fmt.Sprintf("%s: %s", a.Name, lit))
			continue
		}
		name := fmt.Sprintf("a%d", i)
		decls = append(decls, fmt.Sprintf("$%s: %s", name, a.Type.String()))
		args = append(args, fmt.Sprintf("%s: $%s", a.Name, name))
		vars[name] = v
	}
	declared := ""
	if len(decls) > 0 {
		declared = "(" + strings.Join(decls, ", ") + ")"
	}
	op := "query"
	if c.root.Name == "Mutation" {
		op = "mutation"
	}
	sel := ""
	if def := fx.schema.Types[c.field.Type.Name()]; def.Kind == ast.Object {
		sel = " { __typename }"
	}
	q := fmt.Sprintf("%s%s { %s(%s)%s }", op, declared, c.field.Name, strings.Join(args, ", "), sel)
	what := fmt.Sprintf("%s.%s with valid arguments (%s given)", c.root.Name, c.field.Name, c.arg.Name)
	if c.value != nil {
		what = fmt.Sprintf("%s.%s %s = %s %s", c.root.Name, c.field.Name, dotted(c.at), c.value.name, short(c.value.value))
	}
	if c.literal {
		what += " (a literal)"
	}

	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return what + ": cannot encode the request: " + err.Error()
	}
	status, resp, raw := fx.post(body)
	switch {
	case status >= 500:
		return fmt.Sprintf("%s: HTTP %d: %.300s", what, status, raw)
	case resp == nil:
		return fmt.Sprintf("%s: HTTP %d, not a GraphQL response: %.300s", what, status, raw)
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] == "INTERNAL" {
			return fmt.Sprintf("%s: INTERNAL: %s", what, e.Message)
		}
	}
	switch {
	case c.value == nil:
		// A finished run cannot be cancelled; the harness configures no
		// OAuth2 provider, so connecting one is refused naming it: the
		// valid calls that are refused.
		refusedAnyway := (c.field.Name == "cancelExecution" && resp.code() == "CONFLICT") ||
			(c.field.Name == "startIntegrationOAuth" && resp.code() == "BAD_USER_INPUT" && resp.Errors[0].Extensions["field"] == "provider")
		if len(resp.Errors) > 0 && !refusedAnyway {
			return fmt.Sprintf("%s: %s %s", what, resp.code(), resp.Errors[0].Message)
		}
	case c.value.mustRefuse:
		if len(resp.Errors) == 0 {
			return what + ": accepted"
		}
		e := resp.Errors[0]
		if c.literal && e.Extensions["code"] == "GRAPHQL_VALIDATION_FAILED" {
			break // GraphQL validation checks literals itself (a string for a Float)
		}
		if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != dotted(c.at) {
			return fmt.Sprintf("%s: want BAD_USER_INPUT naming %s, got %v %q: %s", what, dotted(c.at),
				e.Extensions["code"], e.Extensions["field"], e.Message)
		}
	}
	return ""
}

// literal writes v, a value of typ, as a GraphQL literal; false when no
// literal can (an object key that is not a GraphQL name). typ is nil inside
// a value of the wrong shape or a JSON value: no enum values there.
func (fx *fuzzFixtures) literal(typ *ast.Type, v any) (string, bool) {
	var def *ast.Definition
	if typ != nil && typ.Elem == nil {
		def = fx.schema.Types[typ.NamedType]
	}
	switch v := v.(type) {
	case nil:
		return "null", true
	case rawJSON:
		if r := string(v); r[0] != '{' && r[0] != '[' {
			return r, true // a number, or a JSON string: GraphQL writes both alike
		}
		dec := json.NewDecoder(strings.NewReader(string(v)))
		dec.UseNumber()
		var decoded any
		if dec.Decode(&decoded) != nil {
			return "", false
		}
		return fx.literal(nil, decoded)
	case string:
		if def != nil && def.Kind == ast.Enum && isName(v) {
			return v, true
		}
		b, _ := json.Marshal(v)
		return string(b), true
	case []any:
		var elem *ast.Type
		if typ != nil && typ.Elem != nil {
			elem = typ.Elem
		}
		items := make([]string, len(v))
		for i, e := range v {
			lit, ok := fx.literal(elem, e)
			if !ok {
				return "", false
			}
			items[i] = lit
		}
		return "[" + strings.Join(items, ", ") + "]", true
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fields := make([]string, len(keys))
		for i, k := range keys {
			if !isName(k) {
				return "", false
			}
			var ft *ast.Type
			if def != nil && def.Kind == ast.InputObject && def.Fields.ForName(k) != nil {
				ft = def.Fields.ForName(k).Type
			}
			lit, ok := fx.literal(ft, v[k])
			if !ok {
				return "", false
			}
			fields[i] = k + ": " + lit
		}
		return "{" + strings.Join(fields, ", ") + "}", true
	}
	b, err := json.Marshal(v) // numbers and booleans
	return string(b), err == nil
}

// isName reports whether s is a GraphQL name.
func isName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func (fx *fuzzFixtures) post(body []byte) (int, *response, []byte) {
	req, _ := http.NewRequest(http.MethodPost, fx.b.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fx.admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, []byte(err.Error())
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out response
	if json.Unmarshal(raw, &out) != nil {
		return res.StatusCode, nil, raw
	}
	return res.StatusCode, &out, raw
}

// build is a valid value of typ for the position at (key names it for
// validValue), with repl at target instead.
func (fx *fuzzFixtures) build(typ *ast.Type, key string, at, target []any, repl any) any {
	if samePath(at, target) {
		return repl
	}
	if typ.Elem != nil {
		items := []any{fx.build(typ.Elem, key, appendPath(at, 0), target, repl)}
		return append(items, fx.extraItems[key]...)
	}
	if v, ok := fx.validValue(key); ok {
		return v
	}
	def := fx.schema.Types[typ.NamedType]
	switch def.Kind {
	case ast.InputObject:
		obj := map[string]any{}
		for _, f := range def.Fields {
			obj[f.Name] = fx.build(f.Type, def.Name+"."+f.Name, appendPath(at, f.Name), target, repl)
		}
		return obj
	case ast.Enum:
		return def.EnumValues[0].Name
	}
	switch typ.NamedType {
	case "Int":
		return 1
	case "Float":
		return 1.5
	case "Boolean":
		return true
	case "Time":
		return "2030-01-01T00:00:00Z"
	case "JSON":
		return map[string]any{}
	}
	return "fuzz"
}

func samePath(a, b []any) bool {
	if b == nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
