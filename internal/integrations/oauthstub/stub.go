// Package oauthstub is a protocol-faithful OAuth2 provider for tests and
// benchmarks: an authorize endpoint that redirects with code and state (or
// an error when consent is denied), a token endpoint that checks the
// client, the redirect URI and the PKCE verifier against the S256
// challenge, issues single-use codes and rotates refresh tokens, a
// revocation endpoint (RFC 7009) and a user-info endpoint. It counts what
// it is asked.
package oauthstub

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stub is a running fake provider.
type Stub struct {
	*httptest.Server
	ClientID, ClientSecret string
	// FirstExpiresIn is the lifetime of tokens issued for a code (the
	// first token); refreshed tokens live RefreshedExpiresIn.
	FirstExpiresIn, RefreshedExpiresIn time.Duration
	// RefreshDelay is how long a refresh takes (a provider round trip).
	RefreshDelay time.Duration
	// Deny makes the authorize endpoint answer access_denied.
	Deny atomic.Bool
	// RefuseRefresh makes refresh grants answer invalid_grant.
	RefuseRefresh atomic.Bool
	// FailRefreshes is how many of the next refresh grants fail
	// transiently (503), after RefreshDelay.
	FailRefreshes atomic.Int64
	// HoldRefreshes, when set before use, keeps refresh grants from
	// answering until it is closed: a test acts while a refresh is in
	// flight (Refreshes counts it on arrival).
	HoldRefreshes chan struct{}
	// Account is the login the user-info endpoint names.
	Account string

	Refreshes atomic.Int64 // refresh grants received
	Exchanges atomic.Int64 // authorization codes exchanged successfully

	mu      sync.Mutex
	codes   map[string]grant
	access  map[string]bool // valid access tokens
	refresh string          // the current refresh token
	n       int
	revoked []string
}

type grant struct{ challenge, redirect, scope string }

// New starts a stub; Close it when done.
func New() *Stub {
	s := &Stub{ClientID: "stub-client", ClientSecret: "stub-secret", FirstExpiresIn: time.Hour,
		RefreshedExpiresIn: time.Hour, Account: "octocat", codes: map[string]grant{}, access: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", s.authorize)
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("/revoke", s.revoke)
	mux.HandleFunc("/userinfo", s.userinfo)
	s.Server = httptest.NewServer(mux)
	return s
}

// Env is the agentgraph configuration naming this stub as provider name.
func (s *Stub) Env(name string) map[string]string {
	p := "OAUTH_" + strings.ToUpper(name) + "_"
	return map[string]string{"OAUTH_PROVIDERS": name, p + "CLIENT_ID": s.ClientID, p + "CLIENT_SECRET": s.ClientSecret,
		p + "AUTH_URL": s.URL + "/authorize", p + "TOKEN_URL": s.URL + "/token", p + "SCOPES": "read,write",
		p + "REVOKE_URL": s.URL + "/revoke", p + "USERINFO_URL": s.URL + "/userinfo"}
}

// Revoked lists the tokens revoked so far.
func (s *Stub) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.revoked...)
}

// ValidAccess reports whether tok is an access token the stub issued.
func (s *Stub) ValidAccess(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access[tok]
}

func (s *Stub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != s.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if s.Deny.Load() {
		back.Set("error", "access_denied")
		back.Set("error_description", "The user denied access")
	} else {
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE S256 required", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.n++
		code := fmt.Sprintf("code-%d", s.n)
		s.codes[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope")}
		s.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Stub) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == s.ClientID && secret == s.ClientSecret
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (s *Stub) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	if !s.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case "authorization_code":
		s.mu.Lock()
		g, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // single use
		s.mu.Unlock()
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
		case g.redirect != f.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		default:
			s.Exchanges.Add(1)
			s.issue(w, s.FirstExpiresIn, g.scope)
		}
	case "refresh_token":
		s.Refreshes.Add(1)
		time.Sleep(s.RefreshDelay) // the provider's round trip
		if s.HoldRefreshes != nil {
			<-s.HoldRefreshes
		}
		if n := s.FailRefreshes.Load(); n > 0 && s.FailRefreshes.CompareAndSwap(n, n-1) {
			oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "try again later")
			return
		}
		s.mu.Lock()
		current := s.refresh
		s.mu.Unlock()
		if s.RefuseRefresh.Load() || f.Get("refresh_token") != current {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token revoked or already used")
			return
		}
		s.issue(w, s.RefreshedExpiresIn, "")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", f.Get("grant_type"))
	}
}

// issue answers new tokens; the previous refresh token stops working
// (rotation), so a second refresh with it would be refused.
func (s *Stub) issue(w http.ResponseWriter, life time.Duration, scope string) {
	s.mu.Lock()
	s.n++
	access, refresh := fmt.Sprintf("access-%d", s.n), fmt.Sprintf("refresh-%d", s.n)
	s.access[access] = true
	s.refresh = refresh
	s.mu.Unlock()
	out := map[string]any{"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
		"expires_in": int(life.Seconds())}
	if scope != "" {
		out["scope"] = scope
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Stub) revoke(w http.ResponseWriter, r *http.Request) {
	if r.ParseForm() != nil || !s.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	s.mu.Lock()
	tok := r.PostForm.Get("token")
	s.revoked = append(s.revoked, tok)
	delete(s.access, tok)
	if tok == s.refresh {
		s.refresh = ""
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Stub) userinfo(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.ValidAccess(tok) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"login": s.Account})
}
