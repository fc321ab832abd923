package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// blockStorage is blocks.KeyValue for one run: its user and graph come from
// the claimed run, never from a block's input, so a block can reach no
// other user's entries (and within_agent, no other agent's).
//
// A Put is written at once, in its own statement, not with the node's
// commit (pendingWrites). That is AutoGPT's behaviour and the only one that
// keeps reads consistent: a RetrieveInformationBlock downstream in the same
// run (or in another run of the agent) reads Postgres, and would miss a
// write still waiting for its node's commit. The cost is small: a node
// that runs twice after a crash writes the same value twice, and a run
// cancelled after the write keeps it — as a stored value should.
// PersistInformationBlock declares SideEffects, so it never runs on input
// a crash could take back.
type blockStorage struct {
	store *db.Store
	user  uuid.UUID
	graph uuid.UUID
}

func (s blockStorage) key(scope blocks.StorageScope, key string) (db.BlockStorageKey, error) {
	k := db.BlockStorageKey{UserID: s.user, Key: key}
	switch scope {
	case blocks.ScopeWithinAgent:
		g := s.graph
		k.GraphID = &g
	case blocks.ScopeAcrossAgents:
	default:
		return k, fmt.Errorf("unknown storage scope %q", scope)
	}
	return k, nil
}

func (s blockStorage) Get(ctx context.Context, scope blocks.StorageScope, key string) (json.RawMessage, bool, error) {
	k, err := s.key(scope, key)
	if err != nil {
		return nil, false, err
	}
	v, err := s.store.BlockStorageGet(ctx, k)
	if errors.Is(err, model.ErrNotFound) {
		return nil, false, nil
	}
	return v, err == nil, err
}

func (s blockStorage) Put(ctx context.Context, scope blocks.StorageScope, key string, value json.RawMessage) error {
	k, err := s.key(scope, key)
	if err != nil {
		return err
	}
	if hasNUL(value) {
		return errors.New("the value contains a NUL character (\\u0000), which cannot be stored")
	}
	return s.store.BlockStoragePut(ctx, k, value)
}
