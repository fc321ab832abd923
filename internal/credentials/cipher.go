// Package credentials stores users' integration credentials (the seed's
// IntegrationCredentials) with their secret material encrypted by AES-256-GCM
// under ENCRYPTION_KEY, and hands decrypted secrets only to block runs.
package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
)

// Cipher seals and opens secret material.
type Cipher struct{ aead cipher.AEAD }

// NewCipher takes a 32-byte key; nil when no key is configured.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Cipher{aead: aead}, nil
}

// secret is what gets encrypted: every sensitive field together.
type secret struct {
	Secret       string `json:"s"`
	RefreshToken string `json:"r,omitempty"`
}

// seal encrypts with a random nonce prepended to the ciphertext.
func (c *Cipher) seal(s secret) ([]byte, error) {
	plain, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return c.aead.Seal(nonce, nonce, plain, nil), nil
}

func (c *Cipher) open(b []byte) (secret, error) {
	var s secret
	n := c.aead.NonceSize()
	if len(b) < n {
		return s, errors.New("stored credential is corrupt")
	}
	plain, err := c.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return s, errors.New("stored credential cannot be decrypted with the configured ENCRYPTION_KEY")
	}
	return s, json.Unmarshal(plain, &s)
}

// SealBytes encrypts raw secret bytes (webhook signing secrets), with a
// random nonce prepended.
func (c *Cipher) SealBytes(plain []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return c.aead.Seal(nonce, nonce, plain, nil), nil
}

// OpenBytes decrypts what SealBytes sealed.
func (c *Cipher) OpenBytes(b []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(b) < n {
		return nil, errors.New("stored secret is corrupt")
	}
	plain, err := c.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return nil, errors.New("stored secret cannot be decrypted with the configured ENCRYPTION_KEY")
	}
	return plain, nil
}
