package db

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// BlockStorageMaxValue bounds a stored value (its JSON text): the blocks
// refuse larger ones first, with their own message; this is the last line.
const BlockStorageMaxValue = 1 << 20

// BlockStorageKey names one entry of a user's block storage: an agent's
// (GraphID set; AutoGPT's within_agent) or the user's across agents (nil).
type BlockStorageKey struct {
	UserID  uuid.UUID
	GraphID *uuid.UUID
	Key     string
}

func (k BlockStorageKey) scope() (string, uuid.NullUUID) {
	if k.GraphID == nil {
		return "across_agents", uuid.NullUUID{}
	}
	return "within_agent", uuid.NullUUID{UUID: *k.GraphID, Valid: true}
}

// BlockStorageGet returns the value stored under k; model.ErrNotFound when
// there is none.
func (s *Store) BlockStorageGet(ctx context.Context, k BlockStorageKey) (json.RawMessage, error) {
	scope, graph := k.scope()
	v, err := s.q.BlockStorageGet(ctx, s.db, dbsqlc.BlockStorageGetParams{UserID: k.UserID, Scope: scope, Key: k.Key, GraphID: graph})
	if err != nil {
		return nil, notFound(err, "stored value")
	}
	return v, nil
}

// BlockStoragePut stores value under k, replacing what was there. It
// commits at once: the storage blocks' writes are not part of a run's
// commit (see engine/storage.go for why).
func (s *Store) BlockStoragePut(ctx context.Context, k BlockStorageKey, value json.RawMessage) error {
	if len(value) > BlockStorageMaxValue {
		return model.Invalid("value", "a stored value is at most %d bytes of JSON; this one is %d", BlockStorageMaxValue, len(value))
	}
	scope, graph := k.scope()
	return s.q.BlockStoragePut(ctx, s.db, dbsqlc.BlockStoragePutParams{UserID: k.UserID, Scope: scope, Key: k.Key, GraphID: graph, Value: value})
}
