package credentials

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Credential is a stored credential without its secret.
type Credential struct {
	ID        uuid.UUID
	Provider  string
	AuthType  string
	Title     string
	Username  *string
	Scopes    []string
	Metadata  json.RawMessage
	ExpiresAt *time.Time
	IsActive  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IsExpired is the seed's is_expired.
func (c *Credential) IsExpired(now time.Time) bool {
	return c.ExpiresAt != nil && now.After(*c.ExpiresAt)
}

// IsValid is the seed's is_valid: active and not expired.
func (c *Credential) IsValid(now time.Time) bool { return c.IsActive && !c.IsExpired(now) }

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
	q      *dbsqlc.Queries
	cipher *Cipher
}

// NewService builds the service; cipher may be nil (then creating fails clearly).
func NewService(store *db.Store, cipher *Cipher) *Service {
	return &Service{store: store, q: store.Queries(), cipher: cipher}
}

// Create encrypts and stores a credential of the user.
func (s *Service) Create(ctx context.Context, userID uuid.UUID, n New) (*Credential, error) {
	if s.cipher == nil {
		return nil, model.Invalid("secret", "credentials cannot be stored: the server has no ENCRYPTION_KEY configured")
	}
	n.Provider = strings.TrimSpace(n.Provider)
	if n.Provider == "" || len(n.Provider) > 100 {
		return nil, model.Invalid("provider", "must be 1 to 100 characters")
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
	row, err := s.q.CredentialInsert(ctx, s.store.Pool, dbsqlc.CredentialInsertParams{
		UserID: userID, Provider: n.Provider, AuthType: dbsqlc.AuthType(n.AuthType), Title: n.Title, Username: n.Username,
		Scopes: n.Scopes, SecretEncrypted: sealed, Metadata: n.Metadata, ExpiresAt: n.ExpiresAt,
	})
	if err != nil {
		return nil, err
	}
	return fromRow(row), nil
}

// List returns the user's credentials, optionally of one provider.
func (s *Service) List(ctx context.Context, userID uuid.UUID, provider *string) ([]*Credential, error) {
	rows, err := s.q.CredentialListByUser(ctx, s.store.Pool, dbsqlc.CredentialListByUserParams{UserID: userID, Provider: provider})
	if err != nil {
		return nil, err
	}
	out := make([]*Credential, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Delete removes one of the user's credentials.
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	n, err := s.q.CredentialDelete(ctx, s.store.Pool, dbsqlc.CredentialDeleteParams{ID: id, UserID: userID})
	if err != nil {
		return err
	}
	if n == 0 {
		return model.NotFound("credential")
	}
	return nil
}

// ForRun decrypts the user's newest valid credential of each provider, for a
// block that declared those providers.
func (s *Service) ForRun(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
	out := map[string]blocks.Credential{}
	if len(providers) == 0 || s.cipher == nil {
		return out, nil
	}
	rows, err := s.q.CredentialActiveByProviders(ctx, s.store.Pool, dbsqlc.CredentialActiveByProvidersParams{UserID: userID, Providers: providers})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		sec, err := s.cipher.open(r.SecretEncrypted)
		if err != nil {
			return nil, err
		}
		c := blocks.Credential{Provider: r.Provider, Type: string(r.AuthType), Secret: sec.Secret}
		if r.Username != nil {
			c.Username = *r.Username
		}
		out[r.Provider] = c
	}
	return out, nil
}

func fromRow(r dbsqlc.IntegrationCredential) *Credential {
	return &Credential{ID: r.ID, Provider: r.Provider, AuthType: string(r.AuthType), Title: r.Title, Username: r.Username,
		Scopes: r.Scopes, Metadata: r.Metadata, ExpiresAt: r.ExpiresAt, IsActive: r.IsActive, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
