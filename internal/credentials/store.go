package credentials

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// New is a credential to store.
type New struct {
	Provider, AuthType, Title, Secret, RefreshToken string
	Username                                        *string
	Scopes                                          []string
	Metadata                                        json.RawMessage
	ExpiresAt                                       *time.Time
}

// Service stores and reads credentials.
type Service struct {
	store  *db.Store
	cipher *Cipher
}

// MaxProviderLen bounds a provider's name (the column's limit).
const MaxProviderLen = 100

// NewService builds the service; cipher may be nil (then creating fails clearly).
func NewService(store *db.Store, cipher *Cipher) *Service {
	return &Service{store: store, cipher: cipher}
}

// Create encrypts and stores a credential of the user.
func (s *Service) Create(ctx context.Context, userID uuid.UUID, n New) (*model.Credential, error) {
	if s.cipher == nil {
		return nil, model.Invalid("secret", "credentials cannot be stored: the server has no ENCRYPTION_KEY configured")
	}
	n.Provider = strings.TrimSpace(n.Provider)
	if n.Provider == "" || len(n.Provider) > MaxProviderLen {
		return nil, model.Invalid("provider", "must be 1 to %d characters", MaxProviderLen)
	}
	if n.Secret == "" || len(n.Secret) > 16<<10 {
		return nil, model.Invalid("secret", "must be 1 to 16384 characters")
	}
	if len(n.Title) > 200 {
		return nil, model.Invalid("title", "at most 200 characters")
	}
	if n.Metadata == nil {
		n.Metadata = json.RawMessage("{}")
	}
	if n.Scopes == nil {
		n.Scopes = []string{}
	}
	sealed, err := s.cipher.seal(secret{Secret: n.Secret, RefreshToken: n.RefreshToken})
	if err != nil {
		return nil, err
	}
	return s.store.CredentialCreate(ctx, db.NewCredential{
		UserID: userID, Provider: n.Provider, AuthType: n.AuthType, Title: n.Title, Username: n.Username,
		Scopes: n.Scopes, SecretEncrypted: sealed, Metadata: n.Metadata, ExpiresAt: n.ExpiresAt,
	})
}

// List returns the user's credentials, optionally of one provider.
func (s *Service) List(ctx context.Context, userID uuid.UUID, provider *string) ([]*model.Credential, error) {
	return s.store.CredentialList(ctx, userID, provider)
}

// Delete removes one of the user's credentials.
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	return s.store.CredentialDelete(ctx, userID, id)
}

// ForRun decrypts the user's newest valid credential of each provider, for a
// block that declared those providers.
func (s *Service) ForRun(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
	out := map[string]blocks.Credential{}
	if len(providers) == 0 || s.cipher == nil {
		return out, nil
	}
	rows, err := s.store.CredentialsForRun(ctx, userID, providers)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		sec, err := s.cipher.open(r.SecretEncrypted)
		if err != nil {
			return nil, err
		}
		c := blocks.Credential{Provider: r.Provider, Type: r.AuthType, Secret: sec.Secret}
		if r.Username != nil {
			c.Username = *r.Username
		}
		out[r.Provider] = c
	}
	return out, nil
}
