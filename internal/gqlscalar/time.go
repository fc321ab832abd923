package gqlscalar

import (
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/agentgraph/agentgraph/internal/model"
)

// MarshalTime writes a Time as RFC 3339 (gqlgen's own).
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads a Time argument: an RFC 3339 timestamp with its
// offset, nothing else. gqlgen's own also takes "" (as the zero time, year
// 1) and a timestamp without an offset (as UTC), which would store what
// the client did not say. RFC 3339 allows a lower-case "t" and "z" (its
// section 5.6), which Go's layout does not: they are the only letters a
// timestamp holds, so the text is read upper-cased.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if ok {
		if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &model.InputError{Message: "must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z"}
}
