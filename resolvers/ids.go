package resolvers

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

// parseID parses an ID argument that must be a UUID. The rule for every
// root field (README, "Errors and ids"): a malformed id is BAD_USER_INPUT
// naming the argument; a well-formed id that names nothing of the
// caller's is null for a lookup and NOT_FOUND for a mutation, the same
// answer whether the object is missing or someone else's.
func parseID(arg, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, model.Invalid(arg, "is not a valid id: ids are UUIDs such as 7b7b7b7b-0000-4000-8000-000000000000")
	}
	return id, nil
}

// maxShareToken bounds a share token; the server issues 32 characters.
const maxShareToken = 200

// checkShareToken applies the id rule to share tokens: one that cannot be a
// token (empty, too long, or not base64url as the server writes them) is
// BAD_USER_INPUT; a well-formed unknown or withdrawn one reads null.
func checkShareToken(arg, s string) error {
	bad := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0
	if s == "" || len(s) > maxShareToken || bad {
		return model.Invalid(arg, "is not a share token: 1 to %d characters of A-Z, a-z, 0-9, - and _", maxShareToken)
	}
	return nil
}

// me is the authenticated caller. Who may call each root field at all is
// decided before its resolver runs (internal/authz's Root table).
func me(ctx context.Context) (*model.User, error) { return auth.User(ctx) }
