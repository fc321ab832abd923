package gqlscalar

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/agentgraph/agentgraph/internal/model"
)

// MaxTextBytes bounds every String and ID value a client sends. It is a
// backstop for fields without a tighter limit of their own: the longest
// any field allows is a credential secret of 16,384 characters, which is
// at most 64 KiB in UTF-8.
const MaxTextBytes = 64 << 10

// CheckText refuses text that PostgreSQL cannot store or that no field
// accepts: invalid UTF-8 (a GET request's query string can carry any
// bytes), the NUL character, which text and jsonb columns refuse, and more
// than MaxTextBytes. The error names no field: the error presenter adds the
// argument's path.
func CheckText(s string) error {
	if len(s) > MaxTextBytes {
		return &model.InputError{Message: fmt.Sprintf("is longer than %d bytes, more than any field accepts", MaxTextBytes)}
	}
	return checkChars(s)
}

// checkChars is CheckText without the length limit, for text inside a JSON
// value (bounded by its field as a whole).
func checkChars(s string) error {
	if !utf8.ValidString(s) {
		return &model.InputError{Message: "is not valid UTF-8"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return &model.InputError{Message: `contains a NUL character (\u0000), which text cannot hold`}
	}
	return nil
}

// MarshalString writes a String (gqlgen's own).
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString reads a String argument and checks it with CheckText.
func UnmarshalString(v any) (string, error) {
	s, err := graphql.UnmarshalString(v)
	if err != nil {
		return "", &model.InputError{Message: "must be a string"}
	}
	return s, CheckText(s)
}

// MarshalID writes an ID (gqlgen's own).
func MarshalID(s string) graphql.Marshaler { return graphql.MarshalID(s) }

// UnmarshalID reads an ID argument and checks it with CheckText. Whether
// it must be a UUID is for the field to say: a node's blockId also takes a
// block's name.
func UnmarshalID(v any) (string, error) {
	s, err := graphql.UnmarshalID(v)
	if err != nil {
		return "", &model.InputError{Message: "must be a string or an integer"}
	}
	return s, CheckText(s)
}
