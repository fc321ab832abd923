package resolvers

import (
	"context"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
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
	if given(input.Preferences) {
		if upd.Preferences, err = model.ParsePreferencesPatch("preferences", input.Preferences); err != nil {
			return nil, model.Within("input", err)
		}
	}
	nu, err := r.Store.UserUpdateProfile(ctx, u.ID, upd)
	if err != nil {
		return nil, model.Within("input", err)
	}
	return toUser(nu), nil
}

// UpdatePreferences is updateMe for the typed preferences: the same merge,
// one key per field given.
func (r *mutationResolver) UpdatePreferences(ctx context.Context, input gql.UserPreferencesInput) (*gql.User, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	p := model.NewPreferencesPatch()
	if given(input.Other) {
		if err := p.PutOther("other", input.Other); err != nil {
			return nil, model.Within("input", err)
		}
	}
	if input.Theme != nil {
		err = p.Put("", model.PrefTheme, string(*input.Theme))
	}
	if err == nil && input.Language != nil {
		err = p.Put("", model.PrefLanguage, *input.Language)
	}
	if err == nil && input.NotificationsEnabled != nil {
		err = p.Put("", model.PrefNotificationsEnabled, *input.NotificationsEnabled)
	}
	if err == nil && input.AutoSaveEnabled != nil {
		err = p.Put("", model.PrefAutoSaveEnabled, *input.AutoSaveEnabled)
	}
	if err == nil && given(input.DefaultGraphSettings) {
		err = p.PutJSON("", model.PrefDefaultGraphSettings, input.DefaultGraphSettings)
	}
	if err != nil {
		return nil, model.Within("input", err) // extensions.field is the argument's path: input.language
	}
	nu, err := r.Store.UserUpdateProfile(ctx, u.ID, db.ProfileUpdate{Preferences: p})
	if err != nil {
		return nil, model.Within("input", err)
	}
	return toUser(nu), nil
}

// given tells a JSON argument that was sent from one omitted or null.
func given(j gqlscalar.JSON) bool { return len(j) > 0 && string(j) != "null" }

func (r *mutationResolver) CreateAPIKey(ctx context.Context, name string, permissions []gql.APIKeyPermission) (*gql.CreatedAPIKey, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var perms []string // nil: every permission
	if permissions != nil {
		if len(permissions) == 0 {
			return nil, model.Invalid("permissions", "give at least one permission, or omit the list for all")
		}
		names := make([]string, len(permissions))
		for i, p := range permissions {
			names[i] = string(p)
		}
		// Stored as parsed: each permission once, [READ_GRAPHS, READ_GRAPHS]
		// is [READ_GRAPHS].
		parsed, err := authz.ParsePermissions(names)
		if err != nil {
			return nil, err
		}
		perms = make([]string, len(parsed))
		for i, p := range parsed {
			perms[i] = string(p)
		}
	}
	secret, prefix, hash := auth.NewAPIKey()
	k, err := r.Store.APIKeyCreateScoped(ctx, u.ID, name, prefix, hash, perms)
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
	a, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("userId", userID)
	if err != nil {
		return nil, err
	}
	// As for deactivateUser: an admin who demoted themself could leave no
	// admin at all, and nobody could undo it through the API.
	if id == a.ID && model.Role(role) != model.RoleAdmin {
		return nil, model.Invalid("role", "an admin cannot take away their own ADMIN role")
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
