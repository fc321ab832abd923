package db

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// APIKeyCreate stores a key's hash and visible prefix; the key holds every
// permission.
func (s *Store) APIKeyCreate(ctx context.Context, userID uuid.UUID, name, prefix string, hash []byte) (*model.APIKey, error) {
	return s.APIKeyCreateScoped(ctx, userID, name, prefix, hash, nil)
}

// APIKeyCreateScoped stores a key limited to permissions (nil: every
// permission). The names are checked by the caller (internal/authz).
func (s *Store) APIKeyCreateScoped(ctx context.Context, userID uuid.UUID, name, prefix string, hash []byte, permissions []string) (*model.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, model.Invalid("name", "must be 1 to 100 characters")
	}
	row, err := s.q.APIKeyCreate(ctx, s.db, dbsqlc.APIKeyCreateParams{UserID: userID, Name: name, Prefix: prefix, KeyHash: hash, Permissions: permissions})
	if err != nil {
		return nil, err
	}
	return apiKeyFromRow(row), nil
}

// APIKeyUser resolves a key hash to its owner (active or not: the caller
// decides), the key id and when the key was last used.
func (s *Store) APIKeyUser(ctx context.Context, hash []byte) (*model.User, uuid.UUID, *time.Time, error) {
	p, err := s.APIKeyLookup(ctx, hash)
	if err != nil {
		return nil, uuid.Nil, nil, err
	}
	return p.User, p.KeyID, p.LastUsedAt, nil
}

// APIKeyPrincipal is who a presented key speaks for, and what it may do.
type APIKeyPrincipal struct {
	User       *model.User
	KeyID      uuid.UUID
	LastUsedAt *time.Time
	// Permissions the key was limited to; nil: every permission.
	Permissions []string
}

// APIKeyLookup resolves a key hash to its owner (active or not: the caller
// decides), the key and its permissions, in one statement.
func (s *Store) APIKeyLookup(ctx context.Context, hash []byte) (*APIKeyPrincipal, error) {
	row, err := s.q.APIKeyGetUserByHash(ctx, s.db, hash)
	if err != nil {
		return nil, notFound(err, "api key")
	}
	return &APIKeyPrincipal{User: userFromRow(row.User), KeyID: row.KeyID, LastUsedAt: row.KeyLastUsedAt,
		Permissions: row.KeyPermissions}, nil
}

// APIKeyList lists a user's keys, revoked ones included.
func (s *Store) APIKeyList(ctx context.Context, userID uuid.UUID) ([]*model.APIKey, error) {
	rows, err := s.q.APIKeyListByUser(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.APIKey, len(rows))
	for i, r := range rows {
		out[i] = apiKeyFromRow(r)
	}
	return out, nil
}

// APIKeyRevoke revokes one of the user's keys; another user's key is not found.
func (s *Store) APIKeyRevoke(ctx context.Context, userID, id uuid.UUID) (*model.APIKey, error) {
	row, err := s.q.APIKeyRevoke(ctx, s.db, dbsqlc.APIKeyRevokeParams{ID: id, UserID: userID})
	s.authChanged()
	if err != nil {
		return nil, notFound(err, "api key")
	}
	return apiKeyFromRow(row), nil
}

// APIKeyTouch records use, at most once a minute.
func (s *Store) APIKeyTouch(ctx context.Context, id uuid.UUID) error {
	return s.q.APIKeyTouch(ctx, s.db, id)
}

func apiKeyFromRow(r dbsqlc.ApiKey) *model.APIKey {
	return &model.APIKey{ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt,
		LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt, Permissions: r.Permissions}
}
