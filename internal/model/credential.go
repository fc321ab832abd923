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
}

// IsExpired is the seed's is_expired.
func (c *Credential) IsExpired(now time.Time) bool {
	return c.ExpiresAt != nil && now.After(*c.ExpiresAt)
}

// IsValid is the seed's is_valid: active and not expired.
func (c *Credential) IsValid(now time.Time) bool { return c.IsActive && !c.IsExpired(now) }
