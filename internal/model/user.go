package model

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Role is the seed's UserRole.
type Role string

const (
	RoleUser      Role = "USER"
	RoleAdmin     Role = "ADMIN"
	RoleModerator Role = "MODERATOR"
	RoleDeveloper Role = "DEVELOPER"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleUser, RoleAdmin, RoleModerator, RoleDeveloper:
		return true
	}
	return false
}

// User is the seed's User.
type User struct {
	ID          uuid.UUID
	Email       string
	Name        *string
	Role        Role
	Timezone    string
	Locale      string
	Preferences json.RawMessage
	IsActive    bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt *time.Time
}

// DisplayName is the seed's get_display_name.
func (u *User) DisplayName() string {
	if u.Name != nil && *u.Name != "" {
		return *u.Name
	}
	local, _, _ := strings.Cut(u.Email, "@")
	return local
}

// IsNewUser is the seed's is_new_user: registered within 7 days.
func (u *User) IsNewUser(now time.Time) bool {
	return int(now.Sub(u.CreatedAt).Hours()/24) <= 7
}

// APIKey is a platform API key; the secret itself is never stored.
type APIKey struct {
	ID         uuid.UUID
	UserID     uuid.UUID
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// Permissions the key is limited to; nil: every permission (keys made
	// before scopes existed, or without a list).
	Permissions []string
}
