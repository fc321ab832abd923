package model

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Credential is the seed's IntegrationCredential without its secret, which
// never leaves internal/credentials in clear.
type Credential struct {
	ID        uuid.UUID
	UserID    uuid.UUID
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
	// TokenType is the OAuth2 token type the provider answered; nil for
	// other kinds.
	TokenType *string
	// InvalidReason says why the provider refused the credential (a
	// refused refresh); nil while it is usable.
	InvalidReason *string
}

// IsExpired is the seed's is_expired.
func (c *Credential) IsExpired(now time.Time) bool {
	return c.ExpiresAt != nil && now.After(*c.ExpiresAt)
}

// IsValid is the seed's is_valid: active, not refused by its provider and
// not expired.
func (c *Credential) IsValid(now time.Time) bool {
	return c.IsActive && c.InvalidReason == nil && !c.IsExpired(now)
}

// NeedsRefresh is the seed's needs_refresh: an OAuth2 credential that
// expires within RefreshMargin.
func (c *Credential) NeedsRefresh(now time.Time) bool {
	return c.AuthType == "OAUTH2" && c.ExpiresAt != nil && now.Add(RefreshMargin).After(*c.ExpiresAt)
}

// RefreshMargin is how long before its expiry an OAuth2 token is renewed,
// so a block never starts with a token about to lapse.
const RefreshMargin = 5 * time.Minute
