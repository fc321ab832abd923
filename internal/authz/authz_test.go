package authz

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/model"
)

func userWith(role model.Role) *model.User {
	return &model.User{ID: uuid.New(), Role: role, IsActive: true}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	require.Equal(t, Anonymous, Of(nil))
	require.Equal(t, User, Of(userWith(model.RoleUser)))
	require.Equal(t, User, Of(userWith(model.RoleDeveloper)))
	require.Equal(t, Moderator, Of(userWith(model.RoleModerator)))
	require.Equal(t, Admin, Of(userWith(model.RoleAdmin)))

	mod := userWith(model.RoleModerator)
	require.True(t, Allows(mod, User))
	require.True(t, Allows(mod, Moderator))
	require.False(t, Allows(mod, Admin), "a moderator is not an admin")
	require.True(t, Allows(nil, Anonymous))
	require.False(t, Allows(nil, User))
}

func TestRequire(t *testing.T) {
	t.Parallel()
	anon := context.Background()
	u, err := Require(anon, Anonymous)
	require.NoError(t, err)
	require.Nil(t, u)
	_, err = Require(anon, User)
	require.ErrorIs(t, err, model.ErrUnauthenticated)

	// A bad token hides nothing public, and its reason reaches the caller elsewhere.
	deactivated := fmt.Errorf("%w: this account is deactivated", model.ErrUnauthenticated)
	badToken := auth.WithUser(anon, nil, deactivated)
	_, err = Require(badToken, Anonymous)
	require.NoError(t, err)
	_, err = Require(badToken, Moderator)
	require.Equal(t, deactivated, err)

	for _, c := range []struct {
		role  model.Role
		level Level
		err   error
	}{
		{model.RoleUser, User, nil},
		{model.RoleUser, Moderator, model.ErrForbidden},
		{model.RoleDeveloper, Moderator, model.ErrForbidden},
		{model.RoleModerator, Moderator, nil},
		{model.RoleModerator, Admin, model.ErrForbidden},
		{model.RoleAdmin, Admin, nil},
	} {
		caller := userWith(c.role)
		got, err := Require(auth.WithUser(anon, caller, nil), c.level)
		if c.err != nil {
			require.Truef(t, errors.Is(err, c.err), "%s at %s: %v", c.role, c.level, err)
			require.Nil(t, got)
			continue
		}
		require.NoErrorf(t, err, "%s at %s", c.role, c.level)
		require.Same(t, caller, got)
	}
}

func TestFieldRules(t *testing.T) {
	t.Parallel()
	owner, other := userWith(model.RoleUser), userWith(model.RoleUser)
	mod, admin := userWith(model.RoleModerator), userWith(model.RoleAdmin)
	for _, c := range []struct {
		rule FieldRule
		who  *model.User
		want bool
	}{
		{UserCredit, owner, true},
		{UserCredit, other, false},
		{UserCredit, mod, false}, // balances: admins, not moderators
		{UserCredit, admin, true},
		{UserCredit, nil, false},
		{GraphOwner, owner, true},
		{GraphOwner, other, false},
		{GraphOwner, mod, true},
		{GraphOwner, admin, true},
		{ExecutionGraph, owner, true},
		{ExecutionGraph, other, false},
		{ExecutionGraph, mod, false}, // the run's owner alone
		{ExecutionGraph, admin, false},
		{ExecutionGraph, nil, false}, // a share-token reader
	} {
		require.Equalf(t, c.want, c.rule.Allows(c.who, owner.ID), "%s for %s", c.rule.Field, Of(c.who))
	}
	require.False(t, IsOwner(nil, uuid.Nil), "nobody owns an object through a missing caller")
}
