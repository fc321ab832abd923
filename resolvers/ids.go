package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

// parseID parses an ID argument; a malformed id is bad input naming the field.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, model.Invalid(field, "%q is not a valid id", s)
	}
	return id, nil
}

// lookupID parses an id used to look something up: a malformed id answers
// NOT_FOUND exactly like a missing object, so ids reveal nothing.
func lookupID(what, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, model.NotFound(what)
	}
	return id, nil
}

// me is the authenticated caller. Who may call each root field at all is
// decided before its resolver runs (internal/authz's Root table).
func me(ctx context.Context) (*model.User, error) { return auth.User(ctx) }
