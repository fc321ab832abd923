package db

import (
	"encoding/base64"

	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// Cursor is a keyset position: (created_at, id). Opaque to clients.
type Cursor struct {
	Time time.Time
	ID   uuid.UUID
}

// Encode makes the opaque cursor string.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Time.UTC().Format(time.RFC3339Nano) + "|" + c.ID.String()))
}

// DecodeCursor parses an `after` argument; nil for an empty one.
func DecodeCursor(s *string) (*Cursor, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil {
		return nil, model.Invalid("after", "malformed cursor")
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, model.Invalid("after", "malformed cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return nil, model.Invalid("after", "malformed cursor")
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, model.Invalid("after", "malformed cursor")
	}
	return &Cursor{Time: t, ID: u}, nil
}

// PageSize checks a `first` argument against the allowed range.
func PageSize(first *int, def, max int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 0 || *first > max {
		return 0, model.Invalid("first", "must be between 0 and %d", max)
	}
	return *first, nil
}
