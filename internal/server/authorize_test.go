package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/graph"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/resolvers"
)

// TestEveryRootFieldHasARule walks the served schema: a query, mutation or
// subscription added without a line in authz.Root fails here, and so does a
// rule left behind for a field that is gone.
func TestEveryRootFieldHasARule(t *testing.T) {
	t.Parallel()
	es := graph.NewExecutableSchema(graph.Config{})
	schema := es.Schema()
	named := map[string]bool{}
	for _, typ := range []string{"Query", "Mutation", "Subscription"} {
		def := schema.Types[typ]
		require.NotNil(t, def, typ)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // introspection: public by definition
			}
			name := typ + "." + f.Name
			named[name] = true
			_, ok := authz.Root[name]
			require.Truef(t, ok, "%s has no rule in internal/authz/rules.go: say who may call it", name)
		}
	}
	require.Greater(t, len(named), 30, "the walk found the schema's root fields")
	for name := range authz.Root {
		require.Truef(t, named[name], "authz.Root names %s, which the schema does not have", name)
	}
	for _, r := range authz.Fields {
		typ, field, _ := strings.Cut(r.Field, ".")
		def := schema.Types[typ]
		require.NotNilf(t, def, "field rule %s: no type %s", r.Field, typ)
		require.NotNilf(t, def.Fields.ForName(field), "field rule %s: no such field", r.Field)
	}
	// authorizedSchema wraps the generated schema and forwards only the
	// ExecutableSchema methods; an optional interface it would hide fails here.
	_, withEventContext := es.(graphql.ExecutableSchemaWithEventContext)
	require.False(t, withEventContext, "authorizedSchema must forward ExecWithEventContext")
}

// fixedMetrics stands in for the sampler: systemMetrics then needs no database.
type fixedMetrics struct{}

func (fixedMetrics) Sample(context.Context) (sysmetrics.Metrics, error) {
	return sysmetrics.Metrics{Timestamp: time.Now()}, nil
}

type authzResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Path       []any          `json:"path"`
		Locations  []any          `json:"locations"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r authzResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// postAs sends one POST request as u (nil: anonymous) to h.
func postAs(t *testing.T, h http.Handler, u *model.User, query string) authzResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if u != nil {
		req = req.WithContext(auth.WithUser(req.Context(), u, nil))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out authzResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "body: %s", rec.Body)
	return out
}

// TestRootFieldsAreEnforced: every level admits its holders and refuses the
// others before the resolver runs. The requests that pass the gate are
// chosen to end in their resolver without a database (the caller from the
// context, a malformed id, the block registry, a fixed metrics source), so
// the store has no pool.
func TestRootFieldsAreEnforced(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{
		Resolver: &resolvers.Resolver{Store: db.New(nil), Registry: blocks.Builtin(), Metrics: fixedMetrics{}},
		Auth:     &auth.Authenticator{},
		Logger:   slog.New(slog.DiscardHandler),
		Ready:    func(context.Context) error { return nil },
	})
	as := func(role model.Role) *model.User { return &model.User{ID: uuid.New(), Role: role, IsActive: true} }
	user, dev, mod, admin := as(model.RoleUser), as(model.RoleDeveloper), as(model.RoleModerator), as(model.RoleAdmin)
	const (
		public    = `{ blocks { id } }`
		signedIn  = `{ me { id } }`
		staff     = `{ systemMetrics { healthScore } }`
		adminOnly = `mutation { setUserRole(userId: "not-an-id", role: USER) { id } }`
		stream    = `subscription { executionEvents(executionId: "not-an-id") { seq } }`
	)
	for _, c := range []struct {
		name  string
		who   *model.User
		query string
		code  string // "" = allowed and answered
	}{
		{"anonymous reads public", nil, public, ""},
		{"anonymous refused a user field", nil, signedIn, CodeUnauthenticated},
		{"anonymous refused a staff field", nil, staff, CodeUnauthenticated},
		{"anonymous refused an admin field", nil, adminOnly, CodeUnauthenticated},
		{"anonymous refused a subscription", nil, stream, CodeUnauthenticated},
		{"user reads public", user, public, ""},
		{"user calls a user field", user, signedIn, ""},
		{"user subscribes (past the gate: the id is malformed)", user, stream, CodeBadUserInput},
		{"user refused a staff field", user, staff, CodeForbidden},
		{"user refused an admin field", user, adminOnly, CodeForbidden},
		{"developer is a user", dev, staff, CodeForbidden},
		{"moderator calls a user field", mod, signedIn, ""},
		{"moderator reads a staff field", mod, staff, ""},
		{"moderator refused an admin field", mod, adminOnly, CodeForbidden},
		{"admin reads a staff field", admin, staff, ""},
		{"admin calls an admin field (past the gate: the id is malformed)", admin, adminOnly, CodeBadUserInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := postAs(t, h, c.who, c.query)
			require.Equal(t, c.code, r.code(), "%+v", r.Errors)
			if c.code == "" {
				require.NotEmpty(t, r.Data)
			}
		})
	}

	t.Run("a refusal reads like a resolver's error, other fields still answer", func(t *testing.T) {
		t.Parallel()
		r := postAs(t, h, nil, `{ blocks { id } graph(id: "x") { id } }`)
		require.Len(t, r.Errors, 1)
		require.Equal(t, CodeUnauthenticated, r.code())
		require.Equal(t, []any{"graph"}, r.Errors[0].Path)
		require.Len(t, r.Errors[0].Locations, 1)
		require.Equal(t, "null", string(r.Data["graph"]))
		var bs []struct{ ID string }
		require.NoError(t, json.Unmarshal(r.Data["blocks"], &bs))
		require.NotEmpty(t, bs)
	})
	t.Run("introspection is public", func(t *testing.T) {
		t.Parallel()
		r := postAs(t, h, nil, `{ __schema { queryType { name } } __type(name: "Graph") { name } }`)
		require.Empty(t, r.Errors)
	})
}

// TestRootFieldWithoutRuleIsRefused: the gate fails closed, for queries and
// subscriptions alike, and introspection still answers.
func TestRootFieldWithoutRuleIsRefused(t *testing.T) {
	t.Parallel()
	gate := authorize{rules: map[string]authz.Level{}}
	cfg := graph.Config{Resolvers: &resolvers.Resolver{Registry: blocks.Builtin()}}
	srv := handler.New(authorizedSchema{ExecutableSchema: graph.NewExecutableSchema(cfg), authorize: gate})
	srv.AddTransport(transport.POST{})
	srv.Use(extension.Introspection{})
	srv.Use(gate)
	srv.SetErrorPresenter(presentError(slog.New(slog.DiscardHandler)))
	admin := &model.User{ID: uuid.New(), Role: model.RoleAdmin, IsActive: true}
	require.Equal(t, CodeInternal, postAs(t, srv, admin, `{ blocks { id } }`).code())
	require.Equal(t, CodeInternal, postAs(t, srv, admin, `subscription { executionEvents(executionId: "x") { seq } }`).code())
	require.Empty(t, postAs(t, srv, nil, `{ __typename __type(name: "Query") { name } }`).Errors)
}

// TestEveryRootFieldHasAPermission: a root field added without a line in
// authz.RootPermission fails here (scoped API keys would be refused it with
// INTERNAL), and so does a permission left behind for a field that is gone.
func TestEveryRootFieldHasAPermission(t *testing.T) {
	t.Parallel()
	for name := range authz.Root {
		_, ok := authz.RootPermission[name]
		require.Truef(t, ok, "%s has no API-key permission in internal/authz/rules.go (RootPermission)", name)
	}
	for name, p := range authz.RootPermission {
		_, ok := authz.Root[name]
		require.Truef(t, ok, "authz.RootPermission names %s, which authz.Root does not", name)
		if p != authz.NoPermission {
			_, err := authz.ParsePermissions([]string{string(p)})
			require.NoError(t, err, name)
		}
	}
}
