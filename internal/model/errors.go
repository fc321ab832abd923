// Package model holds agentgraph's domain types: what the stores return and
// the engine and resolvers work with. sqlc rows never leave internal/db.
package model

import (
	"errors"
	"fmt"
	"strings"
)

// Domain errors. The GraphQL error presenter maps each to an extensions.code.
var (
	// ErrNotFound: missing, or owned by someone else (the two are never told apart).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change collides with stored state (duplicate, illegal move).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: authenticated but not allowed.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInsufficientCredits: the balance does not cover a charge.
	ErrInsufficientCredits = errors.New("insufficient credits")
)

// InputError is bad user input: a clear message naming the field.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Invalid builds an InputError.
func Invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Within names err's field inside the argument that held it: a service
// checks a GraphInput's "name", the client sent it as "input.name". Errors
// other than an InputError with a field pass unchanged.
func Within(arg string, err error) error {
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field == "" {
		return err
	}
	sep := "."
	if strings.HasPrefix(ie.Field, "[") {
		sep = ""
	}
	return &InputError{Field: arg + sep + ie.Field, Message: ie.Message}
}

// ConflictError wraps ErrConflict with a message for the user.
func ConflictError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

// NotFound wraps ErrNotFound naming what was looked for.
func NotFound(what string) error {
	return fmt.Errorf("%s %w", what, ErrNotFound)
}

// PermissionError is a scoped API key's missing permission: FORBIDDEN, with
// a message naming the permission (unlike a role's refusal, which says no
// more than that another role is needed).
type PermissionError struct{ Permission string }

func (e *PermissionError) Error() string {
	return "forbidden: this API key lacks the " + e.Permission + " permission"
}

// Is makes a PermissionError an ErrForbidden.
func (e *PermissionError) Is(target error) bool { return target == ErrForbidden }
