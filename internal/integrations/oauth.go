package integrations

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// StateTTL is how long a started connect may wait for its callback.
const StateTTL = 10 * time.Minute

// CallbackPath is where providers send the browser back; {provider} is the
// provider's name. PUBLIC_URL + this is the redirect URI to register.
const CallbackPath = "/auth/integrations/{provider}/callback"

// Connect runs the OAuth2 connect flow: authorization code with PKCE S256.
type Connect struct {
	Store    *db.Store
	Creds    *credentials.Service
	Cipher   *credentials.Cipher
	Registry *Registry
	// PublicURL is where the callback is reached from outside; redirects
	// after a connect may go under it or to an ALLOWED_ORIGINS origin.
	PublicURL      string
	AllowedOrigins []string
	Clock          func() time.Time
}

func (c *Connect) now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// CallbackURL is a provider's redirect URI.
func (c *Connect) CallbackURL(provider string) string {
	return strings.TrimRight(c.PublicURL, "/") + strings.Replace(CallbackPath, "{provider}", url.PathEscape(provider), 1)
}

func (r *Registry) config(p *Provider, redirect string, scopes []string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.OAuth.ClientID, ClientSecret: p.OAuth.ClientSecret, RedirectURL: redirect,
		Scopes: scopes, Endpoint: oauth2.Endpoint{AuthURL: p.OAuth.AuthURL, TokenURL: p.OAuth.TokenURL}}
}

func (r *Registry) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, r.HTTPClient)
}

// Start begins connecting the user's account at provider: it stores a
// single-use state bound to the user (10 minutes) with the PKCE verifier
// sealed, and returns the provider's authorize URL.
func (c *Connect) Start(ctx context.Context, userID uuid.UUID, provider string, scopes []string, redirectTo *string) (string, error) {
	p, ok := c.Registry.Get(provider)
	if !ok || p.OAuth == nil {
		return "", model.Invalid("provider", "%q is not an OAuth2 provider configured on this server (see integrationProviders)", provider)
	}
	if c.Cipher == nil {
		return "", model.Invalid("provider", "accounts cannot be connected: the server has no ENCRYPTION_KEY configured")
	}
	if len(scopes) == 0 {
		scopes = p.DefaultScopes
	}
	for _, s := range scopes {
		if len(p.SupportedScopes) > 0 && !slices.Contains(p.SupportedScopes, s) {
			return "", model.Invalid("scopes", "%s does not support the scope %q (supported: %s)", provider, s, strings.Join(p.SupportedScopes, ", "))
		}
	}
	if redirectTo != nil {
		if _, err := c.safeRedirect(*redirectTo); err != nil {
			return "", err
		}
	}
	state := randomToken()
	verifier := oauth2.GenerateVerifier()
	sealed, err := c.Cipher.SealBytes([]byte(verifier))
	if err != nil {
		return "", err
	}
	if err := c.Store.OAuthStateCreate(ctx, db.OAuthState{StateHash: hashState(state), UserID: userID, Provider: provider,
		Scopes: scopes, VerifierSealed: sealed, RedirectTo: redirectTo, ExpiresAt: c.now().Add(StateTTL)}); err != nil {
		return "", err
	}
	// Abandoned connects are swept here rather than by a timer: starts are
	// rare, and an index on expires_at makes the sweep cheap.
	_, _ = c.Store.OAuthStatePurge(ctx)
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range p.OAuth.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return c.Registry.config(p, c.CallbackURL(provider), scopes).AuthCodeURL(state, opts...), nil
}

// CallbackError is a callback that stored nothing; Message is for the
// user's browser (it holds no secret). Redirect, when set, is where the
// browser goes instead of a page saying Message: the page the connect
// started from (its redirectTo), told why in its query (RefusedError…).
type CallbackError struct {
	Status   int
	Message  string
	Redirect string
}

func (e *CallbackError) Error() string { return e.Message }

// Finish completes a connect from the provider's callback query: the state
// is taken (so a replay finds nothing), checked for expiry, the code
// exchanged with the PKCE verifier, and the credential stored encrypted.
// It returns where to send the browser ("" for the confirmation page).
// Every refusal is a *CallbackError and stores nothing.
func (c *Connect) Finish(ctx context.Context, provider string, q url.Values) (redirect string, cred *model.Credential, err error) {
	p, ok := c.Registry.Get(provider)
	if !ok || p.OAuth == nil {
		return "", nil, &CallbackError{Status: http.StatusNotFound, Message: "Unknown provider " + provider + "."}
	}
	state := q.Get("state")
	if state == "" {
		return "", nil, &CallbackError{Status: http.StatusBadRequest, Message: "The provider's answer has no state; start connecting again."}
	}
	st, err := c.Store.OAuthStateTake(ctx, hashState(state), provider)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil, &CallbackError{Status: http.StatusBadRequest, Message: "This connect link was already used or is unknown; start connecting again."}
	}
	if err != nil {
		return "", nil, err
	}
	if !c.now().Before(st.ExpiresAt) {
		return "", nil, c.sendBack(p, st, ConnectExpired, "",
			&CallbackError{Status: http.StatusBadRequest, Message: "This connect link expired (they last 10 minutes); start connecting again."})
	}
	if e := q.Get("error"); e != "" {
		return "", nil, c.refused(p, st, e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return "", nil, c.sendBack(p, st, ConnectNoCode, "",
			&CallbackError{Status: http.StatusBadRequest, Message: "The provider's answer has no code; start connecting again."})
	}
	verifier, err := c.Cipher.OpenBytes(st.VerifierSealed)
	if err != nil {
		return "", nil, err
	}
	tok, err := c.Registry.config(p, c.CallbackURL(provider), st.Scopes).
		Exchange(c.Registry.ctx(ctx), code, oauth2.VerifierOption(string(verifier)))
	if err != nil {
		why := providerReason(err)
		return "", nil, c.sendBack(p, st, ConnectCodeRefused, why,
			&CallbackError{Status: http.StatusBadGateway, Message: p.DisplayName + " refused the authorization code: " + why + "."})
	}
	scopes := grantedScopes(tok, st.Scopes)
	n := credentials.New{Provider: provider, AuthType: "OAUTH2", Secret: tok.AccessToken, RefreshToken: tok.RefreshToken,
		Scopes: scopes, TokenType: tok.TokenType, Title: p.DisplayName}
	if !tok.Expiry.IsZero() {
		n.ExpiresAt = &tok.Expiry
	}
	if acct := c.Registry.accountName(ctx, p, tok.AccessToken); acct != "" {
		n.Username = &acct
		n.Title = p.DisplayName + " (" + acct + ")"
	}
	cred, err = c.Creds.Create(ctx, st.UserID, n)
	if err != nil {
		return "", nil, err
	}
	if st.RedirectTo != nil {
		if redirect, err = c.safeRedirect(*st.RedirectTo); err != nil {
			redirect = "" // the rule changed since Start: show the page instead
		}
	}
	return redirect, cred, nil
}

// The query parameters a page that started a connect (redirectTo) gets
// back when the provider refused it (RFC 6749 §4.1.2.1): the provider's
// name, its error code and description. The page composes its own message
// from them; nothing was stored.
const (
	RefusedProvider    = "connect_provider"
	RefusedError       = "connect_error"
	RefusedDescription = "connect_error_description"
)

// The connect_error codes of refusals that are not the provider's own
// error redirect: the link expired before the provider sent the browser
// back, the answer had no code, the provider refused to exchange the code.
const (
	ConnectExpired     = "expired"
	ConnectNoCode      = "no_code"
	ConnectCodeRefused = "code_refused"
)

// maxDescription bounds the provider's error_description passed on in a URL.
const maxDescription = 300

// refused is the provider's own refusal (the user denied consent, or the
// provider's error): nothing is stored. A connect started with redirectTo
// (the web app's Integrations page) sends the browser back there with the
// reason in the query, so the user lands where they started with a way on;
// one started without it (a client of the API that opened the link itself)
// gets the page saying why.
func (c *Connect) refused(p *Provider, st *db.OAuthState, code, description string) *CallbackError {
	msg := p.DisplayName + " did not connect the account: " + code
	if description != "" {
		msg += " (" + description + ")"
	}
	msg += "; nothing was connected."
	if code == "access_denied" {
		msg = "You declined access at " + p.DisplayName + "; nothing was connected."
	}
	return c.sendBack(p, st, code, description, &CallbackError{Status: http.StatusBadRequest, Message: msg})
}

// sendBack makes ce, a refusal after the connect's state was found, send a
// connect started with redirectTo back there, code and description in the
// query; one started without it keeps ce's page.
func (c *Connect) sendBack(p *Provider, st *db.OAuthState, code, description string, ce *CallbackError) *CallbackError {
	if st.RedirectTo == nil {
		return ce
	}
	to, err := c.safeRedirect(*st.RedirectTo)
	if err != nil {
		return ce // the rule changed since Start: the page instead
	}
	u, err := url.Parse(to)
	if err != nil {
		return ce
	}
	back := u.Query()
	back.Set(RefusedProvider, p.Name)
	back.Set(RefusedError, code)
	if r := []rune(description); len(r) > maxDescription {
		description = string(r[:maxDescription-1]) + "…"
	}
	if description != "" {
		back.Set(RefusedDescription, description)
	}
	u.RawQuery = back.Encode()
	ce.Redirect = u.String()
	return ce
}

// safeRedirect resolves redirectTo and refuses anything outside PUBLIC_URL
// or an ALLOWED_ORIGINS origin ("*" does not count: it would make the
// callback an open redirect).
func (c *Connect) safeRedirect(to string) (string, error) {
	base, err := url.Parse(c.PublicURL)
	if err != nil {
		return "", err
	}
	u, err := base.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", model.Invalid("redirectTo", "must be a URL under %s or an allowed origin", c.PublicURL)
	}
	origin := u.Scheme + "://" + u.Host
	if strings.EqualFold(origin, base.Scheme+"://"+base.Host) && strings.HasPrefix(u.Path, strings.TrimRight(base.Path, "/")) {
		return u.String(), nil
	}
	for _, a := range c.AllowedOrigins {
		if a != "*" && strings.Contains(a, "://") && strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return u.String(), nil
		}
	}
	return "", model.Invalid("redirectTo", "must be a URL under %s or an allowed origin", c.PublicURL)
}

// Refresh trades a refresh token for new tokens (credentials.Providers).
// A 4xx answer (invalid_grant, …) is a refusal; anything else is transient.
func (r *Registry) Refresh(ctx context.Context, provider, refreshToken string) (*credentials.Token, error) {
	p, ok := r.Get(provider)
	if !ok || p.OAuth == nil {
		return nil, fmt.Errorf("%s is no longer an OAuth2 provider configured on this server", provider)
	}
	src := r.config(p, "", nil).TokenSource(r.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			return nil, &credentials.RefusedError{Reason: providerReason(err)}
		}
		return nil, fmt.Errorf("%s token endpoint: %s", provider, providerReason(err))
	}
	out := &credentials.Token{AccessToken: tok.AccessToken, TokenType: tok.TokenType, Expiry: tok.Expiry}
	if tok.RefreshToken != refreshToken {
		out.RefreshToken = tok.RefreshToken
	}
	if s, _ := tok.Extra("scope").(string); s != "" {
		out.Scopes = splitScopes(s)
	}
	return out, nil
}

// Revoke revokes a token at the provider's RFC 7009 endpoint; nil when the
// provider has none.
func (r *Registry) Revoke(ctx context.Context, provider, token string) error {
	p, ok := r.Get(provider)
	if !ok || p.OAuth == nil || p.OAuth.RevokeURL == "" {
		return nil
	}
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.OAuth.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.OAuth.ClientID), url.QueryEscape(p.OAuth.ClientSecret))
	resp, err := r.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s revocation: %w", provider, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s revocation answered %s", provider, resp.Status)
	}
	return nil
}

// accountName asks the provider's user-info endpoint who the token is for;
// "" when it has none or does not say.
func (r *Registry) accountName(ctx context.Context, p *Provider, token string) string {
	if p.OAuth.UserInfoURL == "" {
		return ""
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.OAuth.UserInfoURL, nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := r.HTTPClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var info map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info) != nil {
		return ""
	}
	for _, k := range []string{"login", "email", "preferred_username", "username", "name"} {
		if s, ok := info[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// grantedScopes are the scopes the token response names, else those asked.
func grantedScopes(tok *oauth2.Token, asked []string) []string {
	if s, _ := tok.Extra("scope").(string); s != "" {
		return splitScopes(s)
	}
	return asked
}

// providerReason is what a provider said, without the response body's
// other contents (which could echo a token).
func providerReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		reason := re.ErrorCode
		if reason == "" && re.Response != nil {
			reason = re.Response.Status
		}
		if re.ErrorDescription != "" {
			reason += ": " + re.ErrorDescription
		}
		return reason
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashState(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}
