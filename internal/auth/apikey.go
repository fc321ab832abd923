// Package auth turns a bearer token (platform API key or JWT) into the user
// it belongs to, and carries that user through a request's context.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// KeyPrefix starts every platform API key, so a leaked key is recognisable.
const KeyPrefix = "agk_"

// visiblePrefixLen is how much of a key is kept in clear to tell keys apart.
const visiblePrefixLen = len(KeyPrefix) + 8

// NewAPIKey returns a new random key, its visible prefix, and the hash stored
// in place of the key.
func NewAPIKey() (secret, prefix string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, secret[:visiblePrefixLen], HashAPIKey(secret)
}

// HashAPIKey is the stored form of a key. A fast hash is right here: keys are
// 256 random bits, so there is nothing for a slow hash to protect.
func HashAPIKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// IsAPIKey tells an API key from a JWT by its prefix.
func IsAPIKey(token string) bool { return strings.HasPrefix(token, KeyPrefix) }
