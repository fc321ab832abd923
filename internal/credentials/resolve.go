package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Providers is what the service needs of the provider registry
// (internal/integrations implements it).
type Providers interface {
	// Refresh trades a refresh token for new tokens. A *RefusedError means
	// the provider refused the grant (the credential is dead); any other
	// error is transient and leaves the credential as it is.
	Refresh(ctx context.Context, provider, refreshToken string) (*Token, error)
	// Revoke revokes a token at the provider; nil when the provider offers
	// no revocation.
	Revoke(ctx context.Context, provider, token string) error
	// BaseURL is the provider's API base URL, "" when none.
	BaseURL(provider string) string
	// Endpoints are the provider's named API endpoints, nil when none.
	Endpoints(provider string) map[string]string
	// AuthTypes are the auth types the provider's credentials may have,
	// nil when the provider is not one the registry knows.
	AuthTypes(provider string) []string
}

// Token is what a refresh answered.
type Token struct {
	AccessToken  string
	RefreshToken string // "" when the provider did not rotate it
	TokenType    string
	Expiry       time.Time // zero: does not expire
	Scopes       []string  // nil: unchanged
}

// RefusedError is a provider's refusal of a refresh (invalid_grant, …).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// refreshTimeout bounds a refresh, lock wait included: a node waits at most
// this long for a token.
const refreshTimeout = 30 * time.Second

// openedSecret caches a decrypted secret for one version of a credential
// (its updated_at): a refresh or any change makes a new version, so a
// stale secret is never served; a deleted credential is never read.
type openedSecret struct {
	version time.Time
	secret  secret
}

func (s *Service) openCached(c *db.SealedCredential) (secret, error) {
	if v, ok := s.opened.Load(c.ID); ok {
		if o := v.(openedSecret); o.version.Equal(c.UpdatedAt) {
			return o.secret, nil
		}
	}
	sec, err := s.cipher.open(c.SecretEncrypted)
	if err != nil {
		return sec, err
	}
	s.opened.Store(c.ID, openedSecret{version: c.UpdatedAt, secret: sec})
	return sec, nil
}

// ForRun decrypts the user's newest usable credential of each provider, for
// a block that declared those providers; an OAuth2 token due for refresh is
// refreshed first. A provider whose newest credential is expired and cannot
// be refreshed is left out (the engine names it missing); one its provider
// refused is an error naming it.
func (s *Service) ForRun(ctx context.Context, userID uuid.UUID, providers []string) (map[string]blocks.Credential, error) {
	out := map[string]blocks.Credential{}
	if len(providers) == 0 || s.cipher == nil {
		return out, nil
	}
	key := userID.String() + "/" + strings.Join(providers, ",")
	rows, err := s.runReads.do(ctx, key, func(ctx context.Context) ([]db.SealedCredential, error) {
		return s.store.CredentialsForRun(ctx, userID, providers)
	})
	if err != nil {
		return nil, err
	}
	for i := range rows { // shared with the node runs that read with this one: not modified
		c, err := s.usable(ctx, &rows[i])
		if errors.Is(err, errExpired) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[c.Provider] = c
	}
	return out, nil
}

// ByID decrypts one of the user's credentials for a block run, refreshing
// it first when due. A deleted (or another user's) credential, one its
// provider refused and an expired one are errors saying so.
func (s *Service) ByID(ctx context.Context, userID uuid.UUID, id string) (blocks.Credential, error) {
	cid, err := uuid.Parse(id)
	if err != nil {
		return blocks.Credential{}, fmt.Errorf("credentials.id %q is not a credential id", id)
	}
	if s.cipher == nil {
		return blocks.Credential{}, errors.New("credentials cannot be used: the server has no ENCRYPTION_KEY configured")
	}
	row, err := s.idReads.do(ctx, userID.String()+"/"+cid.String(), func(ctx context.Context) (*db.SealedCredential, error) {
		return s.store.CredentialGetSealed(ctx, userID, cid)
	})
	if errors.Is(err, model.ErrNotFound) {
		return blocks.Credential{}, fmt.Errorf("credential %s no longer exists (it was deleted): choose or connect another", id)
	}
	if err != nil {
		return blocks.Credential{}, err
	}
	return s.usable(ctx, row)
}

var errExpired = errors.New("expired")

// usable refreshes c when due and hands it out decrypted, or says why not.
// c is not modified: node runs that read together share it.
func (s *Service) usable(ctx context.Context, c *db.SealedCredential) (blocks.Credential, error) {
	if c.NeedsRefresh(s.clock()) && c.InvalidReason == nil && s.providers != nil {
		fresh, err := s.refresh(ctx, c)
		if err != nil {
			return blocks.Credential{}, fmt.Errorf("refreshing the %s credential %s: %w", c.Provider, describe(&c.Credential), err)
		}
		c = fresh
	}
	if err := unusable(&c.Credential, s.clock()); err != nil {
		return blocks.Credential{}, err
	}
	sec, err := s.openCached(c)
	if err != nil {
		return blocks.Credential{}, err
	}
	return s.handout(c, sec), nil
}

// unusable says why a stored credential cannot be used now, or nil.
func unusable(c *model.Credential, now time.Time) error {
	switch {
	case c.InvalidReason != nil:
		return fmt.Errorf("the %s credential %s is no longer valid: %s; reconnect it", c.Provider, describe(c), *c.InvalidReason)
	case !c.IsActive:
		return fmt.Errorf("the %s credential %s is inactive", c.Provider, describe(c))
	case c.IsExpired(now):
		return fmt.Errorf("the %s credential %s %w and cannot be refreshed; reconnect it", c.Provider, describe(c), errExpired)
	}
	return nil
}

func describe(c *model.Credential) string {
	if c.Title != "" {
		return fmt.Sprintf("%q (%s)", c.Title, c.ID)
	}
	return c.ID.String()
}

func (s *Service) handout(c *db.SealedCredential, sec secret) blocks.Credential {
	out := blocks.Credential{Provider: c.Provider, Type: c.AuthType, Secret: sec.Secret, ID: c.ID.String(),
		Title: c.Title, Scopes: c.Scopes}
	if c.Username != nil {
		out.Username = *c.Username
	}
	if c.AuthType == blocks.AuthOAuth2 {
		out.TokenType = "Bearer"
		if c.TokenType != nil && *c.TokenType != "" && !strings.EqualFold(*c.TokenType, "bearer") {
			out.TokenType = *c.TokenType
		}
	}
	var meta struct {
		Header string `json:"header"`
	}
	if json.Unmarshal(c.Metadata, &meta) == nil {
		out.Header = strings.TrimSpace(meta.Header)
	}
	if s.providers != nil {
		out.BaseURL = s.providers.BaseURL(c.Provider)
		out.Endpoints = s.providers.Endpoints(c.Provider)
	}
	// A model provider's credential may name its own server (an Ollama
	// host, a gateway); AI blocks dial a user's through the SSRF guard.
	// Integration credentials keep the operator's API URL: their tokens
	// go nowhere else.
	if modelProviders[c.Provider] {
		if u := metadataBaseURL(c.Metadata); u != "" {
			out.BaseURL = u
		}
	}
	return out
}

// modelProviders are the providers whose credentials may carry a base URL.
var modelProviders = map[string]bool{"openai": true, "anthropic": true, "ollama": true}

// Check refuses a run whose nodes' credential needs the user's stored
// credentials cannot meet: a chosen credential that is missing (deleted),
// of the wrong provider or auth type, no longer valid (refused, or expired
// without a refresh token) or lacking scopes; or no credential at all of
// a required provider. Each problem names its node and provider.
func (s *Service) Check(ctx context.Context, userID uuid.UUID, needs []blocks.CredentialNeed) error {
	var problems []string
	now := s.clock()
	for _, n := range needs {
		providers := strings.Join(n.Spec.Providers, " or ")
		if providers == "" {
			providers = "any provider"
		}
		var c *db.SealedCredential
		if n.ID != "" {
			cid, err := uuid.Parse(n.ID)
			if err == nil {
				c, err = s.store.CredentialGetSealed(ctx, userID, cid)
			}
			if err != nil && (cid == uuid.Nil || errors.Is(err, model.ErrNotFound)) {
				problems = append(problems, fmt.Sprintf("node %s (%s) needs a %s credential: credential %s does not exist (deleted?)", n.Node, n.Block, providers, n.ID))
				continue
			}
			if err != nil {
				return err
			}
		} else {
			if n.Spec.Optional {
				continue
			}
			rows, err := s.store.CredentialsForRun(ctx, userID, n.Spec.Providers)
			if err != nil {
				return err
			}
			for _, p := range n.Spec.Providers { // the first listed provider the user has
				for i := range rows {
					if rows[i].Provider == p && c == nil {
						c = &rows[i]
					}
				}
			}
			if c == nil {
				problems = append(problems, fmt.Sprintf("node %s (%s) needs a %s credential and none is connected", n.Node, n.Block, providers))
				continue
			}
		}
		if why := n.Spec.Accepts(c.Provider, c.AuthType, c.Scopes); why != "" {
			problems = append(problems, fmt.Sprintf("node %s (%s) cannot use credential %s: %s", n.Node, n.Block, describe(&c.Credential), why))
			continue
		}
		if err := s.checkUsable(c, now); err != nil {
			problems = append(problems, fmt.Sprintf("node %s (%s): %v", n.Node, n.Block, err))
		}
	}
	if len(problems) > 0 {
		return model.Invalid("credentials", "%s", strings.Join(problems, "; "))
	}
	return nil
}

// checkUsable is unusable, except that an expired OAuth2 credential with a
// refresh token is fine: the node will refresh it.
func (s *Service) checkUsable(c *db.SealedCredential, now time.Time) error {
	err := unusable(&c.Credential, now)
	if !errors.Is(err, errExpired) || c.AuthType != blocks.AuthOAuth2 || s.providers == nil || s.cipher == nil {
		return err
	}
	if sec, oerr := s.openCached(c); oerr == nil && sec.RefreshToken != "" {
		return nil
	}
	return err
}
