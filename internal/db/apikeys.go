package db

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// APIKeyCreate stores a key's hash and visible prefix.
func (s *Store) APIKeyCreate(ctx context.Context, userID uuid.UUID, name, prefix string, hash []byte) (*model.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, model.Invalid("name", "must be 1 to 100 characters")
	}
	row, err := s.q.APIKeyCreate(ctx, s.db, dbsqlc.APIKeyCreateParams{UserID: userID, Name: name, Prefix: prefix, KeyHash: hash})
	if err != nil {
		return nil, err
	}
	return apiKeyFromRow(row), nil
}

// APIKeyUser resolves a key hash to its owner (active or not: the caller
// decides), the key id and when the key was last used.
func (s *Store) APIKeyUser(ctx context.Context, hash []byte) (*model.User, uuid.UUID, *time.Time, error) {
	row, err := s.q.APIKeyGetUserByHash(ctx, s.db, hash)
	if err != nil {
		return nil, uuid.Nil, nil, notFound(err, "api key")
	}
	return userFromRow(row.User), row.KeyID, row.KeyLastUsedAt, nil
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
		LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}
