package authz

import (
	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Root is the level every root field of the schema needs, as
// "Type.field". internal/server checks it before any resolver runs, for
// every operation (HTTP and websocket); a field missing here is refused
// (INTERNAL: a bug of ours) and fails internal/server's tests, so a new
// field cannot ship unguarded. Introspection (__schema, __type) is public.
//
// Below its level a caller gets UNAUTHENTICATED (no valid credentials) or
// FORBIDDEN (signed in, role too low). At or above it, what the caller may
// touch is scoped to what they own where the object is read (the store's
// queries take the caller's id; ownExecution; graphs.Readable), not here:
// another user's graph, run, API key or credential answers exactly as a
// missing one (null or NOT_FOUND), so ids reveal nothing; templates are
// readable, not writable, by every user; Graph.versions lists the readable
// versions and Graph.executions the caller's own runs. A role opens no other
// user's graph, run, key or credential: staff and admins see only what
// their level's root fields and the field rules below show.
var Root = map[string]Level{
	// Public: browsing blocks needs no account; a share token is the
	// credential for one run, read-only, and for nothing else.
	"Query.blocks":          Anonymous,
	"Query.block":           Anonymous,
	"Query.llmModels":       Anonymous,
	"Query.sharedExecution": Anonymous,

	// Any signed-in user, on their own objects.
	"Query.me":                       User,
	"Query.myAPIKeys":                User,
	"Query.graph":                    User,
	"Query.graphs":                   User,
	"Query.templates":                User,
	"Query.validateGraph":            User,
	"Query.exportGraph":              User,
	"Query.estimateGraphCost":        User,
	"Query.execution":                User,
	"Query.executions":               User,
	"Query.credentials":              User,
	"Mutation.updateMe":              User,
	"Mutation.updatePreferences":     User,
	"Mutation.createAPIKey":          User,
	"Mutation.revokeAPIKey":          User,
	"Mutation.createGraph":           User,
	"Mutation.importGraph":           User,
	"Mutation.updateGraph":           User,
	"Mutation.setActiveGraphVersion": User,
	"Mutation.deleteGraph":           User,
	"Mutation.forkGraph":             User,
	"Mutation.executeGraph":          User,
	"Mutation.cancelExecution":       User,
	"Mutation.rerunExecution":        User,
	"Mutation.shareExecution":        User,
	"Mutation.unshareExecution":      User,
	"Mutation.createCredential":      User,
	"Mutation.deleteCredential":      User,
	"Subscription.executionEvents":   User,
	"Subscription.graphExecutions":   User,
	"Subscription.alertEvents":       Moderator,
	"Subscription.executionLogs":     User,
	"Query.schedules":                User,
	"Mutation.createSchedule":        User,
	"Mutation.updateSchedule":        User,
	"Mutation.pauseSchedule":         User,
	"Mutation.resumeSchedule":        User,
	"Mutation.deleteSchedule":        User,
	"Mutation.rotateWebhookSecret":   User,
	"Query.integrationProviders":     User,
	"Mutation.startIntegrationOAuth": User,

	// Staff watch the platform: load and alert rules, read-only.
	"Query.systemMetrics":        Moderator,
	"Query.systemMetricsHistory": Moderator,
	"Query.alertRules":           Moderator,
	"Query.alertEvents":          Moderator,

	// Admins alone manage users, money and alerting.
	"Query.users":              Admin,
	"Mutation.setUserRole":     Admin,
	"Mutation.deactivateUser":  Admin,
	"Mutation.addCredits":      Admin,
	"Mutation.adjustCredits":   Admin,
	"Mutation.setBlockCosts":   Admin,
	"Mutation.createAlertRule": Admin,
	"Mutation.deleteAlertRule": Admin,
}

// RootPermission is the permission a scoped API key needs for every root
// field of Root (internal/server checks it after the level); a field missing
// here fails internal/server's tests. NoPermission: any key may call it.
var RootPermission = map[string]Permission{
	"Query.blocks":          NoPermission,
	"Query.block":           NoPermission,
	"Query.sharedExecution": NoPermission,
	"Query.me":              NoPermission,
	"Query.llmModels":       NoPermission,
	// Alerts are administration; a run's log lines are the run's.
	"Query.alertEvents":          AdminPermission,
	"Subscription.alertEvents":   AdminPermission,
	"Subscription.executionLogs": ReadExecutions,
	// Estimating reads a graph; adjusting credits and setting block costs
	// are administration.
	"Query.estimateGraphCost": ReadGraphs,
	"Mutation.adjustCredits":  AdminPermission,
	"Mutation.setBlockCosts":  AdminPermission,

	"Query.graph":                    ReadGraphs,
	"Query.graphs":                   ReadGraphs,
	"Query.templates":                ReadGraphs,
	"Query.validateGraph":            ReadGraphs,
	"Query.exportGraph":              ReadGraphs,
	"Query.schedules":                ReadGraphs,
	"Mutation.createGraph":           WriteGraphs,
	"Mutation.importGraph":           WriteGraphs,
	"Mutation.updateGraph":           WriteGraphs,
	"Mutation.setActiveGraphVersion": WriteGraphs,
	"Mutation.deleteGraph":           WriteGraphs,
	"Mutation.forkGraph":             WriteGraphs,
	"Mutation.createSchedule":        WriteGraphs,
	"Mutation.updateSchedule":        WriteGraphs,
	"Mutation.pauseSchedule":         WriteGraphs,
	"Mutation.resumeSchedule":        WriteGraphs,
	"Mutation.deleteSchedule":        WriteGraphs,
	"Mutation.rotateWebhookSecret":   WriteGraphs,
	"Mutation.executeGraph":          ExecuteGraphs,
	"Mutation.cancelExecution":       ExecuteGraphs,
	"Mutation.rerunExecution":        ExecuteGraphs,
	"Query.execution":                ReadExecutions,
	"Query.executions":               ReadExecutions,
	"Subscription.executionEvents":   ReadExecutions,
	"Subscription.graphExecutions":   ReadExecutions,
	// Sharing makes a run readable by anyone with the token: a change to
	// the run, not a read, so a read-only key may not do it.
	"Mutation.shareExecution":        ExecuteGraphs,
	"Mutation.unshareExecution":      ExecuteGraphs,
	"Query.credentials":              ManageCredentials,
	"Query.integrationProviders":     ManageCredentials,
	"Mutation.createCredential":      ManageCredentials,
	"Mutation.deleteCredential":      ManageCredentials,
	"Mutation.startIntegrationOAuth": ManageCredentials,

	// The account itself: a leaked narrow key must not mint a wider one.
	"Query.myAPIKeys":            AdminPermission,
	"Mutation.createAPIKey":      AdminPermission,
	"Mutation.revokeAPIKey":      AdminPermission,
	"Mutation.updateMe":          AdminPermission,
	"Mutation.updatePreferences": AdminPermission,
	"Query.systemMetrics":        AdminPermission,
	"Query.systemMetricsHistory": AdminPermission,
	"Query.alertRules":           AdminPermission,
	"Query.users":                AdminPermission,
	"Mutation.setUserRole":       AdminPermission,
	"Mutation.deactivateUser":    AdminPermission,
	"Mutation.addCredits":        AdminPermission,
	"Mutation.createAlertRule":   AdminPermission,
	"Mutation.deleteAlertRule":   AdminPermission,
}

// FieldRule says who reads a restricted object field: the object's owner,
// and anyone holding Level. Its resolver asks Allows; what the others get
// (null or FORBIDDEN) is said at each rule. Every other object field is
// readable by whoever could reach its object.
type FieldRule struct {
	Field string // "Type.field"
	Level Level
}

// Allows reports whether u may read the field of an object owned by ownerID.
func (r FieldRule) Allows(u *model.User, ownerID uuid.UUID) bool {
	return IsOwner(u, ownerID) || Allows(u, r.Level)
}

var (
	// UserCredit: a balance is private to its user and admins (not
	// moderators); others get FORBIDDEN.
	UserCredit = FieldRule{Field: "User.credit", Level: Admin}
	// UserUsage: what a user spent is as private as their balance.
	UserUsage = FieldRule{Field: "User.usage", Level: Admin}
	// GraphOwner: the owner and staff see who made a graph; another user
	// reading a template gets null.
	GraphOwner = FieldRule{Field: "Graph.owner", Level: Moderator}
	// ExecutionGraph: only the run's owner reaches its graph (input
	// defaults, metadata, description); a share-token reader (or anyone
	// else) gets null, and draws the run from GraphExecution.graphShape,
	// which every reader of the run reads.
	ExecutionGraph = FieldRule{Field: "GraphExecution.graph", Level: nobody}
)

// Fields lists the field rules, for the test that each names a real field.
var Fields = []FieldRule{UserCredit, UserUsage, GraphOwner, ExecutionGraph}
