// Package gqlscalar holds the GraphQL custom scalars that gqlgen's built-ins
// do not cover.
package gqlscalar

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSON is any JSON value, kept as raw bytes so stored documents pass through
// the API unchanged (no float64 round trip that would alter big integers).
type JSON json.RawMessage

// MarshalGQL writes the raw value; an empty value is JSON null.
func (j JSON) MarshalGQL(w io.Writer) {
	if len(j) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(j)
}

// UnmarshalGQL accepts whatever the GraphQL layer decoded for a JSON literal
// or variable and re-encodes it.
func (j *JSON) UnmarshalGQL(v any) error {
	if n, ok := v.(json.Number); ok {
		*j = JSON(n.String())
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("JSON scalar: %w", err)
	}
	*j = JSON(b)
	return nil
}

// Raw returns the value as json.RawMessage.
func (j JSON) Raw() json.RawMessage { return json.RawMessage(j) }
