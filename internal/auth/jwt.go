package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// JWTConfig verifies HS256 tokens whose subject is a user id.
type JWTConfig struct {
	Secret   []byte
	Issuer   string // checked when set
	Audience string // checked when set
}

// Enabled reports whether JWTs are accepted at all.
func (c JWTConfig) Enabled() bool { return len(c.Secret) > 0 }

// Verify checks the signature, expiry (required), issuer and audience and
// returns the subject.
func (c JWTConfig) Verify(token string) (uuid.UUID, error) {
	if !c.Enabled() {
		return uuid.Nil, errors.New("JWT authentication is not configured")
	}
	// A token without exp would never expire: a leaked one could not be
	// stopped short of rotating the secret (or deactivating the user).
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithLeeway(30 * time.Second),
		jwt.WithExpirationRequired()}
	if c.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(c.Issuer))
	}
	if c.Audience != "" {
		opts = append(opts, jwt.WithAudience(c.Audience))
	}
	tok, err := jwt.ParseWithClaims(token, &jwt.RegisteredClaims{}, func(*jwt.Token) (any, error) {
		return c.Secret, nil
	}, opts...)
	if err != nil {
		return uuid.Nil, fmt.Errorf("invalid token: %w", err)
	}
	sub, err := tok.Claims.GetSubject()
	if err != nil || sub == "" {
		return uuid.Nil, errors.New("invalid token: no subject")
	}
	id, err := uuid.Parse(sub)
	if err != nil {
		return uuid.Nil, errors.New("invalid token: subject is not a user id")
	}
	return id, nil
}

// Sign makes a token for a user; used by tests and the CLI.
func (c JWTConfig) Sign(userID uuid.UUID, ttl time.Duration) (string, error) {
	claims := jwt.RegisteredClaims{
		Subject:   userID.String(),
		IssuedAt:  jwt.NewNumericDate(time.Now()),
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(ttl)),
		Issuer:    c.Issuer,
	}
	if c.Audience != "" {
		claims.Audience = jwt.ClaimStrings{c.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(c.Secret)
}
