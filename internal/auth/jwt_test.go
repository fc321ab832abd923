package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A token must say when it expires: one without exp is refused, however
// well signed; one past its exp (beyond the leeway) too.
func TestJWTNeedsExpiry(t *testing.T) {
	t.Parallel()
	c := JWTConfig{Secret: []byte("test-secret-0123456789abcdef")}
	id := uuid.New()
	sign := func(claims jwt.RegisteredClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(c.Secret)
		require.NoError(t, err)
		return s
	}
	ok, err := c.Sign(id, time.Minute)
	require.NoError(t, err)
	got, err := c.Verify(ok)
	require.NoError(t, err)
	require.Equal(t, id, got)

	_, err = c.Verify(sign(jwt.RegisteredClaims{Subject: id.String(), IssuedAt: jwt.NewNumericDate(time.Now())}))
	require.ErrorIs(t, err, jwt.ErrTokenRequiredClaimMissing)
	_, err = c.Verify(sign(jwt.RegisteredClaims{Subject: id.String(), ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}))
	require.ErrorIs(t, err, jwt.ErrTokenExpired)
}
