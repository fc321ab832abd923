package db

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// OAuthState is a started OAuth2 connect, waiting for its callback.
type OAuthState struct {
	StateHash      []byte
	UserID         uuid.UUID
	Provider       string
	Scopes         []string
	VerifierSealed []byte
	RedirectTo     *string
	ExpiresAt      time.Time
}

// OAuthStateCreate stores a started connect.
func (s *Store) OAuthStateCreate(ctx context.Context, st OAuthState) error {
	if st.Scopes == nil {
		st.Scopes = []string{}
	}
	return s.q.OAuthStateInsert(ctx, s.db, dbsqlc.OAuthStateInsertParams{StateHash: st.StateHash, UserID: st.UserID,
		Provider: st.Provider, Scopes: st.Scopes, VerifierSealed: st.VerifierSealed, RedirectTo: st.RedirectTo,
		ExpiresAt: st.ExpiresAt})
}

// OAuthStateTake deletes and returns the state of a provider's callback:
// a second take of the same state is not found (single use). Expiry is the
// caller's check.
func (s *Store) OAuthStateTake(ctx context.Context, stateHash []byte, provider string) (*OAuthState, error) {
	r, err := s.q.OAuthStateTake(ctx, s.db, dbsqlc.OAuthStateTakeParams{StateHash: stateHash, Provider: provider})
	if err != nil {
		return nil, notFound(err, "oauth state")
	}
	return &OAuthState{StateHash: r.StateHash, UserID: r.UserID, Provider: r.Provider, Scopes: r.Scopes,
		VerifierSealed: r.VerifierSealed, RedirectTo: r.RedirectTo, ExpiresAt: r.ExpiresAt}, nil
}

// OAuthStatePurge deletes states that expired over an hour ago (abandoned
// connects); it returns how many.
func (s *Store) OAuthStatePurge(ctx context.Context) (int64, error) {
	return s.q.OAuthStatePurge(ctx, s.db)
}
