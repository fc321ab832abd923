// Package resolvers implements the GraphQL schema: each resolver
// authorizes, calls a service or store, and maps domain types to the
// generated GraphQL types. Nothing here knows SQL or the engine's internals.
package resolvers

import (
	"log/slog"
	"sync"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/graph"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/integrations"
	"github.com/agentgraph/agentgraph/internal/livestream"
	"github.com/agentgraph/agentgraph/internal/schedule"
	"github.com/agentgraph/agentgraph/internal/webhooks"
)

// Resolver is the dependency-injection root.
type Resolver struct {
	Store        *db.Store
	Registry     *blocks.Registry
	GraphService *graphs.Service
	// CredentialService stores integration credentials (secrets write-only).
	CredentialService *credentials.Service
	Runs              Runs                // the engine's API (submit, cancel)
	Streams           *livestream.Streams // live streams for subscriptions
	Metrics           MetricsSource
	// Schedules validates and stores schedules; Webhooks rotates secrets.
	ScheduleService *schedule.Service
	WebhookService  *webhooks.Service
	// Integrations lists providers and starts OAuth2 connects; nil: none.
	Integrations *integrations.Connect
	// PublicURL is where webhook URLs point (config PUBLIC_URL).
	PublicURL string
	Logger    *slog.Logger

	blockViews sync.Map // block id → *blockView (blockview.go)
	secrets    sync.Map // model.GraphKey → *secretInputs (secrets.go)
}

// Query returns the query resolver.
func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

// Mutation returns the mutation resolver.
func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

// Subscription returns the subscription resolver.
func (r *Resolver) Subscription() graph.SubscriptionResolver { return &subscriptionResolver{r} }

// AlertRule returns the AlertRule field resolver.
func (r *Resolver) AlertRule() graph.AlertRuleResolver { return &alertRuleResolver{r} }

// ExecutionEvent returns the ExecutionEvent field resolver.
func (r *Resolver) ExecutionEvent() graph.ExecutionEventResolver { return &executionEventResolver{r} }

// Graph returns the Graph field resolver.
func (r *Resolver) Graph() graph.GraphResolver { return &graphResolver{r} }

// GraphExecution returns the GraphExecution field resolver.
func (r *Resolver) GraphExecution() graph.GraphExecutionResolver { return &graphExecutionResolver{r} }

// GraphShape returns the GraphShape field resolver.
func (r *Resolver) GraphShape() graph.GraphShapeResolver { return &graphShapeResolver{r} }

// Node returns the Node field resolver.
func (r *Resolver) Node() graph.NodeResolver { return &nodeResolver{r} }

// Schedule returns the Schedule field resolver.
func (r *Resolver) Schedule() graph.ScheduleResolver { return &scheduleResolver{r} }

// User returns the User field resolver.
func (r *Resolver) User() graph.UserResolver { return &userResolver{r} }

// UserCredit returns the UserCredit field resolver.
func (r *Resolver) UserCredit() graph.UserCreditResolver { return &userCreditResolver{r} }

type (
	queryResolver          struct{ *Resolver }
	alertRuleResolver      struct{ *Resolver }
	mutationResolver       struct{ *Resolver }
	subscriptionResolver   struct{ *Resolver }
	executionEventResolver struct{ *Resolver }
	graphResolver          struct{ *Resolver }
	graphExecutionResolver struct{ *Resolver }
	graphShapeResolver     struct{ *Resolver }
	nodeResolver           struct{ *Resolver }
	scheduleResolver       struct{ *Resolver }
	userResolver           struct{ *Resolver }
	userCreditResolver     struct{ *Resolver }
)
