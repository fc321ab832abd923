package db

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// NewUser is what creating a user needs.
type NewUser struct {
	Email    string
	Name     *string
	Role     model.Role
	Timezone string
	Locale   string
}

// NormalizeEmail lower-cases and checks an address; the error names the field.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") || len(e) > 254 {
		return "", model.Invalid("email", "%q is not a valid email address", email)
	}
	return e, nil
}

// UserCreate inserts a user with a zero credit balance. A taken email is a conflict.
func (s *Store) UserCreate(ctx context.Context, u NewUser) (*model.User, error) {
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return nil, err
	}
	if u.Role == "" {
		u.Role = model.RoleUser
	}
	if !u.Role.Valid() {
		return nil, model.Invalid("role", "unknown role %q (USER, ADMIN, MODERATOR, DEVELOPER)", u.Role)
	}
	if u.Timezone == "" {
		u.Timezone = model.DefaultTimezone
	}
	if err := model.CheckTimezone("timezone", u.Timezone); err != nil {
		return nil, err
	}
	if u.Locale == "" {
		u.Locale = model.DefaultLocale
	}
	if u.Locale, err = model.ParseLocale("locale", u.Locale); err != nil {
		return nil, err
	}
	row, err := s.q.UserCreate(ctx, s.db, dbsqlc.UserCreateParams{
		Email: email, Name: u.Name, Role: dbsqlc.UserRole(u.Role), Timezone: u.Timezone, Locale: u.Locale,
	})
	if err != nil {
		if code, _ := constraint(err); code == codeUniqueViolation {
			return nil, model.ConflictError("a user with email %s already exists", email)
		}
		return nil, err
	}
	if _, err := s.q.UserCreditEnsure(ctx, s.db, row.ID); err != nil {
		return nil, err
	}
	return userFromRow(row), nil
}

// UserGet returns a user by id.
func (s *Store) UserGet(ctx context.Context, id uuid.UUID) (*model.User, error) {
	row, err := s.q.UserGetByID(ctx, s.db, id)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(row), nil
}

// UserByEmail returns the user with that email (compared as UserCreate
// stores it: trimmed, lower-cased); a malformed email is an InputError.
func (s *Store) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	row, err := s.q.UserGetByEmail(ctx, s.db, e)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(row), nil
}

// UsersByIDs returns the users found among ids (the owner dataloader).
func (s *Store) UsersByIDs(ctx context.Context, ids []uuid.UUID) ([]*model.User, error) {
	rows, err := s.q.UserGetManyByIDs(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

// UserList pages through users in creation order after the given cursor.
func (s *Store) UserList(ctx context.Context, after *Cursor, limit int) ([]*model.User, error) {
	p := dbsqlc.UserListParams{Lim: int32(limit)}
	if after != nil {
		p.AfterCreated, p.AfterID = &after.Time, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	rows, err := s.q.UserList(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make([]*model.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

// ProfileUpdate is a partial update of the fields a user may change.
type ProfileUpdate struct {
	Name     *string
	Timezone *string
	Locale   *string
	// Preferences is merged into the stored preferences key by key; nil
	// leaves them alone.
	Preferences *model.PreferencesPatch
}

// UserUpdateProfile applies the non-nil fields in one statement, so a
// preferences change is atomic however many run at once. Nothing changes
// when one field is refused, including when the merged preferences would
// exceed model.MaxPreferences.
func (s *Store) UserUpdateProfile(ctx context.Context, id uuid.UUID, p ProfileUpdate) (*model.User, error) {
	if p.Timezone != nil {
		if err := model.CheckTimezone("timezone", *p.Timezone); err != nil {
			return nil, err
		}
	}
	if p.Name != nil {
		// Spaces around a name are not part of it, and a blank name is no
		// name: stored as NULL (the query), not as "" or "   ", which
		// would show as a blank displayName.
		n := strings.TrimSpace(*p.Name)
		if len([]rune(n)) > 100 {
			return nil, model.Invalid("name", "at most 100 characters")
		}
		p.Name = &n
	}
	if p.Locale != nil {
		c, err := model.ParseLocale("locale", *p.Locale)
		if err != nil {
			return nil, err
		}
		p.Locale = &c
	}
	params := dbsqlc.UserUpdateProfileParams{ID: id, Name: p.Name, Timezone: p.Timezone, Locale: p.Locale,
		PreferencesRemove: []string{}, PreferencesMax: model.MaxPreferences}
	if p.Preferences != nil {
		params.PreferencesSet, params.PreferencesRemove = p.Preferences.Split()
	}
	row, err := s.q.UserUpdateProfile(ctx, s.db, params)
	s.authChanged()
	if errors.Is(err, pgx.ErrNoRows) && p.Preferences != nil {
		// No row: either no such user, or the merge would be too large.
		if _, gerr := s.q.UserGetByID(ctx, s.db, id); gerr == nil {
			return nil, model.Invalid("preferences", "the stored preferences would exceed %d bytes: remove keys (set them to null) first", model.MaxPreferences)
		}
	}
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(row), nil
}

// UserSetRole changes a user's role.
func (s *Store) UserSetRole(ctx context.Context, id uuid.UUID, role model.Role) (*model.User, error) {
	if !role.Valid() {
		return nil, model.Invalid("role", "unknown role %q", role)
	}
	row, err := s.q.UserSetRole(ctx, s.db, dbsqlc.UserSetRoleParams{ID: id, Role: dbsqlc.UserRole(role)})
	s.authChanged()
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(row), nil
}

// UserSetActive activates or deactivates a user.
func (s *Store) UserSetActive(ctx context.Context, id uuid.UUID, active bool) (*model.User, error) {
	row, err := s.q.UserSetActive(ctx, s.db, dbsqlc.UserSetActiveParams{ID: id, IsActive: active})
	s.authChanged()
	if err != nil {
		return nil, notFound(err, "user")
	}
	return userFromRow(row), nil
}

// UserTouchLogin records a login; the query writes at most once a minute.
func (s *Store) UserTouchLogin(ctx context.Context, id uuid.UUID) error {
	return s.q.UserTouchLogin(ctx, s.db, id)
}

func userFromRow(r dbsqlc.User) *model.User {
	return &model.User{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: model.Role(r.Role), Timezone: r.Timezone,
		Locale: r.Locale, Preferences: r.Preferences, IsActive: r.IsActive, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, LastLoginAt: r.LastLoginAt,
	}
}
