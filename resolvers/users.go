package resolvers

import (
	"context"
	"encoding/json"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// maxPreferencesJSON bounds a user's preferences.
const maxPreferencesJSON = 64 << 10

func (r *queryResolver) Me(ctx context.Context) (*gql.User, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (r *queryResolver) Users(ctx context.Context, first *int, after *string) (*gql.UserConnection, error) {
	n, err := db.PageSize(first, 20, 100)
	if err != nil {
		return nil, err
	}
	cur, err := db.DecodeCursor(after)
	if err != nil {
		return nil, err
	}
	users, err := r.Store.UserList(ctx, cur, n+1)
	if err != nil {
		return nil, err
	}
	page, info := paginate(users, n, after != nil, func(u *model.User) db.Cursor { return db.Cursor{Time: u.CreatedAt, ID: u.ID} })
	conn := &gql.UserConnection{PageInfo: info, Edges: make([]*gql.UserEdge, len(page))}
	for i, u := range page {
		conn.Edges[i] = &gql.UserEdge{Cursor: db.Cursor{Time: u.CreatedAt, ID: u.ID}.Encode(), Node: toUser(u)}
	}
	return conn, nil
}

func (r *queryResolver) MyAPIKeys(ctx context.Context) ([]*gql.APIKey, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := r.Store.APIKeyList(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.APIKey, len(keys))
	for i, k := range keys {
		out[i] = toAPIKey(k)
	}
	return out, nil
}

func (r *mutationResolver) UpdateMe(ctx context.Context, input gql.UpdateMeInput) (*gql.User, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	upd := db.ProfileUpdate{Name: input.Name, Timezone: input.Timezone, Locale: input.Locale}
	if input.Preferences != nil {
		// The user is read with its preferences on every request it makes.
		if len(input.Preferences) > maxPreferencesJSON {
			return nil, model.Invalid("input.preferences", "at most %d bytes of JSON", maxPreferencesJSON)
		}
		upd.Preferences = json.RawMessage(input.Preferences)
	}
	nu, err := r.Store.UserUpdateProfile(ctx, u.ID, upd)
	if err != nil {
		return nil, model.Within("input", err)
	}
	return toUser(nu), nil
}

func (r *mutationResolver) CreateAPIKey(ctx context.Context, name string) (*gql.CreatedAPIKey, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	secret, prefix, hash := auth.NewAPIKey()
	k, err := r.Store.APIKeyCreate(ctx, u.ID, name, prefix, hash)
	if err != nil {
		return nil, err
	}
	return &gql.CreatedAPIKey{APIKey: toAPIKey(k), Secret: secret}, nil
}

func (r *mutationResolver) RevokeAPIKey(ctx context.Context, id string) (*gql.APIKey, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	kid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	k, err := r.Store.APIKeyRevoke(ctx, u.ID, kid)
	if err != nil {
		return nil, err
	}
	return toAPIKey(k), nil
}

func (r *mutationResolver) SetUserRole(ctx context.Context, userID string, role gql.UserRole) (*gql.User, error) {
	id, err := parseID("userId", userID)
	if err != nil {
		return nil, err
	}
	u, err := r.Store.UserSetRole(ctx, id, model.Role(role))
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}

func (r *mutationResolver) DeactivateUser(ctx context.Context, userID string) (*gql.User, error) {
	a, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("userId", userID)
	if err != nil {
		return nil, err
	}
	if id == a.ID {
		return nil, model.Invalid("userId", "an admin cannot deactivate their own account")
	}
	u, err := r.Store.UserSetActive(ctx, id, false)
	if err != nil {
		return nil, err
	}
	return toUser(u), nil
}
