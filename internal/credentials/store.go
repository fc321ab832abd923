package credentials

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// New is a credential to store.
type New struct {
	Provider, AuthType, Title, Secret, RefreshToken string
	Username                                        *string
	Scopes                                          []string
	Metadata                                        json.RawMessage
	ExpiresAt                                       *time.Time
	TokenType                                       string // OAuth2: the provider's token type
}

// Service stores and reads credentials, and refreshes OAuth2 tokens before
// a block gets them.
type Service struct {
	store     *db.Store
	cipher    *Cipher
	providers Providers
	log       *slog.Logger
	clock     func() time.Time
	flight    singleflight.Group                 // one refresh per credential per process
	opened    sync.Map                           // credential id → openedSecret: decrypt once per version
	refreshed sync.Map                           // credential id → *db.SealedCredential: the last refresh flight's outcome
	idReads   sharedReads[*db.SealedCredential]  // ByID's row reads, shared by node runs at the same moment
	runReads  sharedReads[[]db.SealedCredential] // ForRun's
}

// MaxProviderLen bounds a provider's name (the column's limit).
const MaxProviderLen = 100

// NewService builds the service; cipher may be nil (then creating fails clearly).
func NewService(store *db.Store, cipher *Cipher) *Service {
	return &Service{store: store, cipher: cipher, clock: time.Now, log: slog.Default()}
}

// WithProviders connects the provider registry: OAuth2 refresh, token
// revocation and API base URLs. Without it tokens are used until they
// expire and deleting revokes nothing.
func (s *Service) WithProviders(p Providers, log *slog.Logger) *Service {
	s.providers = p
	if log != nil {
		s.log = log
	}
	return s
}

// Create encrypts and stores a credential of the user.
func (s *Service) Create(ctx context.Context, userID uuid.UUID, n New) (*model.Credential, error) {
	if s.cipher == nil {
		return nil, model.Invalid("secret", "credentials cannot be stored: the server has no ENCRYPTION_KEY configured")
	}
	n.Provider = strings.TrimSpace(n.Provider)
	if n.Provider == "" || len(n.Provider) > MaxProviderLen {
		return nil, model.Invalid("provider", "must be 1 to %d characters", MaxProviderLen)
	}
	if n.Secret == "" || len(n.Secret) > 16<<10 {
		return nil, model.Invalid("secret", "must be 1 to 16384 characters")
	}
	if utf8.RuneCountInString(n.Title) > 200 { // characters, not bytes
		return nil, model.Invalid("title", "at most 200 characters")
	}
	if err := s.checkKind(n); err != nil {
		return nil, err
	}
	if n.Metadata == nil {
		n.Metadata = json.RawMessage("{}")
	}
	if n.Scopes == nil {
		n.Scopes = []string{}
	}
	sealed, err := s.cipher.seal(secret{Secret: n.Secret, RefreshToken: n.RefreshToken})
	if err != nil {
		return nil, err
	}
	var tokenType *string
	if n.TokenType != "" {
		tokenType = &n.TokenType
	}
	return s.store.CredentialCreate(ctx, db.NewCredential{
		UserID: userID, Provider: n.Provider, AuthType: n.AuthType, Title: n.Title, Username: n.Username,
		Scopes: n.Scopes, SecretEncrypted: sealed, Metadata: n.Metadata, ExpiresAt: n.ExpiresAt, TokenType: tokenType,
	})
}

// maxScopeLen bounds one OAuth2 scope; real ones are URLs at most.
const maxScopeLen = 500

// checkKind refuses a credential no block could use as stored: an auth type
// its provider does not take (the newest credential of a provider is the one
// a run gets, so a stray OAuth2 "openai" credential would shadow the API key
// that works), scopes on anything but OAuth2, and blank scopes. Providers the
// registry does not know (a block's own, an operator's later one) are taken
// as given.
func (s *Service) checkKind(n New) error {
	if s.providers != nil {
		if types := s.providers.AuthTypes(n.Provider); types != nil && !slices.Contains(types, n.AuthType) {
			return model.Invalid("authType", "the provider %q takes %s credentials, not %s",
				n.Provider, strings.Join(types, " or "), n.AuthType)
		}
	}
	if len(n.Scopes) > 0 && n.AuthType != blocks.AuthOAuth2 {
		return model.Invalid("scopes", "only OAuth2 credentials have scopes; this one is %s", n.AuthType)
	}
	for i, sc := range n.Scopes {
		if strings.TrimSpace(sc) == "" || len(sc) > maxScopeLen {
			return model.Invalid(fmt.Sprintf("scopes[%d]", i), "must be 1 to %d characters, not blank", maxScopeLen)
		}
	}
	return nil
}

// List returns the user's credentials, optionally of one provider.
func (s *Service) List(ctx context.Context, userID uuid.UUID, provider *string) ([]*model.Credential, error) {
	return s.store.CredentialList(ctx, userID, provider)
}

// Delete removes one of the user's credentials, then revokes its tokens at
// the provider when the provider offers revocation. The deletion stands
// whatever the provider answers (a failed revocation is logged): runs that
// need the credential fail at their node from now on.
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	c, err := s.store.CredentialTake(ctx, userID, id)
	if err != nil {
		return err
	}
	s.opened.Delete(id)
	s.refreshed.Delete(id)
	if s.providers == nil || s.cipher == nil || c.AuthType != blocks.AuthOAuth2 {
		return nil
	}
	sec, err := s.cipher.open(c.SecretEncrypted)
	if err != nil {
		s.log.Warn("credential deleted; its token could not be revoked", "credential", id, "err", err)
		return nil
	}
	// The refresh token first: revoking it ends the grant at most providers.
	for _, tok := range []string{sec.RefreshToken, sec.Secret} {
		if tok == "" {
			continue
		}
		if err := s.providers.Revoke(ctx, c.Provider, tok); err != nil {
			s.log.Warn("credential deleted; the provider did not revoke its token", "credential", id,
				"provider", c.Provider, "err", err)
		}
	}
	return nil
}

// metadataBaseURL is a credential's metadata.base_url (an Ollama server,
// an OpenAI-compatible gateway), if it is an absolute http(s) URL. Blocks
// dial it through the SSRF guard: it is the user's.
func metadataBaseURL(raw json.RawMessage) string {
	var m struct {
		BaseURL string `json:"base_url"`
	}
	if json.Unmarshal(raw, &m) != nil || m.BaseURL == "" {
		return ""
	}
	if u, err := url.Parse(m.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return m.BaseURL
}
