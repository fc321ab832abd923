// Package authz is the one vocabulary of authorization: the levels a caller
// holds (Anonymous, User, Moderator, Admin), ownership, and the rules of
// rules.go that say which level each operation and restricted field needs.
// It knows nothing of GraphQL: internal/server enforces Root for every root
// field, and resolvers ask the field rules.
package authz

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Level is what a caller may do, each level including the ones below it.
type Level uint8

const (
	// Anonymous is anyone, with or without a token: public data, and the
	// share token that is itself the credential for one run.
	Anonymous Level = iota
	// User is any signed-in, active user (roles USER and DEVELOPER hold
	// only this level).
	User
	// Moderator is staff: role MODERATOR or ADMIN (the seed's is_admin).
	Moderator
	// Admin is role ADMIN only.
	Admin
	// nobody is above every role: a field rule with it admits the owner alone.
	nobody
)

func (l Level) String() string {
	switch l {
	case Anonymous:
		return "anonymous"
	case User:
		return "user"
	case Moderator:
		return "moderator"
	case Admin:
		return "admin"
	}
	return "owner only"
}

// Of is the level u holds; nil (no caller) is Anonymous.
func Of(u *model.User) Level {
	switch {
	case u == nil:
		return Anonymous
	case u.Role == model.RoleAdmin:
		return Admin
	case u.Role == model.RoleModerator:
		return Moderator
	}
	return User
}

// Allows reports whether u holds level l.
func Allows(u *model.User, l Level) bool { return Of(u) >= l }

// IsOwner reports whether u owns the object owned by ownerID; a nil u owns nothing.
func IsOwner(u *model.User, ownerID uuid.UUID) bool { return u != nil && u.ID == ownerID }

// Require returns the caller if they hold level l. Below it, a caller
// without valid credentials gets UNAUTHENTICATED (saying why: no token,
// unknown key, deactivated account) and a signed-in one FORBIDDEN. For
// Anonymous the caller is nil when there is none.
func Require(ctx context.Context, l Level) (*model.User, error) {
	u, err := auth.User(ctx)
	if l == Anonymous {
		return u, nil // a bad token does not hide public data
	}
	if err != nil {
		return nil, err
	}
	if !Allows(u, l) {
		return nil, model.ErrForbidden
	}
	return u, nil
}
