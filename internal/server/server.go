// Package server assembles the HTTP surface: GraphQL at /graphql (POST, GET
// and websocket), the web app at / (and its routes), an offline GraphiQL page
// at /graphiql, /healthz, /readyz and /metrics.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/graph"
	"github.com/agentgraph/agentgraph/internal/adminhttp"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/ratelimit"
	"github.com/agentgraph/agentgraph/internal/webhooks"
	"github.com/agentgraph/agentgraph/internal/wstransport"
	"github.com/agentgraph/agentgraph/resolvers"
)

// Limits that protect the server from expensive requests.
const (
	MaxBodyBytes      = 4 << 20
	MaxDepth          = 12
	MaxComplexity     = 20000
	MaxParserTokens   = 50000
	DefaultListFactor = 10
)

// Options configure the handler.
type Options struct {
	Resolver       *resolvers.Resolver
	Auth           *auth.Authenticator
	AllowedOrigins []string
	Ready          func(ctx context.Context) error
	Logger         *slog.Logger
	Registry       *prometheus.Registry
	// MaxFields and MaxAliases cap an operation's size (0: the defaults).
	MaxFields, MaxAliases int
	// Webhooks serves the webhook ingress POST /webhooks/{id}; nil: none.
	Webhooks *webhooks.Service
	// Integrations serves the OAuth2 callback
	// GET /auth/integrations/{provider}/callback; nil: none.
	Integrations *integrations.Connect
	// RateLimiter limits HTTP requests and websocket subscribes per user
	// (or client address) across instances; nil: no limit.
	RateLimiter *ratelimit.Limiter
	// Tracer, if set, gives every GraphQL operation a span (tracing.go);
	// nil: none.
	Tracer trace.Tracer
	// GqlgenLists leaves every list to gqlgen (plainlists.go): for tests
	// that compare the two renderings.
	GqlgenLists bool
	// GqlgenEvents leaves every subscription frame to gqlgen
	// (plainevents.go): for tests that compare the two renderings.
	GqlgenEvents bool
}

// NewGraphQL builds the gqlgen handler with explicit transports and
// extensions, and returns its websocket transport (for Shutdown).
func NewGraphQL(o Options) (*handler.Server, *wstransport.Transport) {
	cfg := graph.Config{Resolvers: o.Resolver}
	setComplexity(&cfg.Complexity)
	authorized := authorize{rules: authz.Root}
	srv := handler.New(authorizedSchema{ExecutableSchema: graph.NewExecutableSchema(cfg), authorize: authorized})
	if o.Tracer != nil {
		srv.Use(operationSpans{tracer: o.Tracer}) // first: the outermost interceptor
	}
	wsCfg := wstransport.Config{
		InitFunc: func(ctx context.Context, payload map[string]any) (context.Context, error) {
			tok := tokenFromPayload(payload)
			if tok == "" {
				return ctx, nil // anonymous: only public fields will answer
			}
			next, err := o.Auth.WithToken(ctx, tok)
			if err != nil && !errors.Is(err, model.ErrUnauthenticated) {
				// The store failed, not the credential: 4403 would tell
				// the client its token was refused (the web app signs
				// out on it, and stops reconnecting); 1013 has it retry.
				return ctx, fmt.Errorf("%w: %w", wstransport.ErrTryAgainLater, err)
			}
			return next, err
		},
		// A key revoked or a user deactivated while connected closes the
		// connection (4403), not only the next connection_init; the token
		// watched is the one that authenticated it, from connection_init
		// or else the upgrade request's Authorization header.
		Watch:          o.Auth.Watch,
		AllowedOrigins: o.AllowedOrigins,
		Logger:         o.Logger,
	}
	if !o.GqlgenEvents {
		wsCfg.Plain = plainEvents(o.Resolver)
	}
	if o.RateLimiter != nil {
		wsCfg.BeforeOperation = wsRateLimit(o.RateLimiter)
	}
	ws := wstransport.New(wsCfg)
	srv.AddTransport(ws)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})
	validated := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(validated)
	srv.SetParserTokenLimit(MaxParserTokens)
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	// After the persisted-query extension, which fills in the query text.
	srv.Use(sizeLimit{maxFields: orDefault(o.MaxFields, DefaultMaxFields),
		maxAliases: orDefault(o.MaxAliases, DefaultMaxAliases), validated: validated})
	// Before the complexity limit: computing complexity reads the arguments,
	// which panics on an unreadable number literal.
	srv.Use(numberLiterals{})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(depthLimit{max: MaxDepth})
	srv.Use(authorized)
	if !o.GqlgenLists {
		srv.Use(plainLists{})
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(resolvers.WithLoaders(ctx, o.Resolver.Store))
	})
	srv.SetErrorPresenter(presentError(o.Logger))
	srv.SetRecoverFunc(recoverPanic(o.Logger))
	return srv, ws
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// tokenFromPayload accepts the common shapes clients send in connection_init.
func tokenFromPayload(p map[string]any) string {
	for _, k := range []string{"Authorization", "authorization", "token", "authToken"} {
		if v, ok := p[k].(string); ok {
			return auth.StripBearer(v)
		}
	}
	if h, ok := p["headers"].(map[string]any); ok {
		return tokenFromPayload(h)
	}
	return ""
}

// Handler is the whole HTTP surface.
type Handler struct {
	http.Handler
	ws *wstransport.Transport
}

// CloseWebsockets closes every websocket with 1001 Going Away and refuses
// new ones; net/http's Server.Shutdown does not see hijacked connections.
// It returns once they have ended, or ctx is done.
func (h *Handler) CloseWebsockets(ctx context.Context) error { return h.ws.Shutdown(ctx) }

// WebsocketStats counts the open websockets and the operations running on
// them (internal/app exports them as gauges).
func (h *Handler) WebsocketStats() (connections, operations int) { return h.ws.Stats() }

// NewHandler builds the whole HTTP surface.
func NewHandler(o Options) *Handler {
	gql, ws := NewGraphQL(o)
	mux := http.NewServeMux()
	var api http.Handler = gql
	api = rateLimit(o.RateLimiter, api)
	api = o.Auth.Middleware(api)
	api = graphqlHTTP(api)
	api = http.MaxBytesHandler(api, MaxBodyBytes)
	api = cors(o.AllowedOrigins, api)
	mux.Handle("/graphql", api)
	if o.Webhooks != nil {
		mux.Handle("/webhooks/{id}", webhookHandler(o.Webhooks, o.Logger))
	}
	if o.Integrations != nil {
		mux.Handle(integrations.CallbackPath, oauthCallbackHandler(o.Integrations, o.Logger))
	}
	mux.Handle("/", pagesHandler())
	adminhttp.Mount(mux, adminhttp.Options{Ready: o.Ready, Registry: o.Registry})
	return &Handler{Handler: mux, ws: ws}
}

var _ graphql.HandlerExtension = depthLimit{}
