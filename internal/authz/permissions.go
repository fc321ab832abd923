package authz

import (
	"context"
	"slices"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Permission is what a scoped platform API key may do (the seed's APIKey
// permissions). Levels say which role may call a field; permissions narrow
// what one API key may do of it. A JWT and a key created without a list
// hold every permission.
type Permission string

const (
	ReadGraphs        Permission = "READ_GRAPHS"
	WriteGraphs       Permission = "WRITE_GRAPHS"
	ExecuteGraphs     Permission = "EXECUTE_GRAPHS"
	ReadExecutions    Permission = "READ_EXECUTIONS"
	ManageCredentials Permission = "MANAGE_CREDENTIALS"
	// AdminPermission holds all the others, and alone opens the account's
	// own keys and settings and the admin fields (for admins).
	AdminPermission Permission = "ADMIN"
	// NoPermission: any key may call the field (public fields, me).
	NoPermission Permission = ""
)

// AllPermissions lists the permissions a key may be created with.
var AllPermissions = []Permission{ReadGraphs, WriteGraphs, ExecuteGraphs, ReadExecutions, ManageCredentials, AdminPermission}

// ParsePermissions checks names of permissions (a key's list).
func ParsePermissions(names []string) ([]Permission, error) {
	out := make([]Permission, 0, len(names))
	for _, n := range names {
		p := Permission(n)
		if !slices.Contains(AllPermissions, p) {
			return nil, model.Invalid("permissions", "unknown permission %q (known: %v)", n, AllPermissions)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// RequirePermission refuses a caller whose API key was not given p:
// FORBIDDEN naming it. Callers without a scoped key pass.
func RequirePermission(ctx context.Context, p Permission) error {
	if p == NoPermission {
		return nil
	}
	perms, scoped := auth.KeyPermissions(ctx)
	if !scoped || slices.Contains(perms, string(p)) || slices.Contains(perms, string(AdminPermission)) {
		return nil
	}
	return &model.PermissionError{Permission: string(p)}
}
