// Package integrations is the provider registry (the seed's
// CredentialsProvider: name, display name, auth types, endpoints, supported
// scopes) and the OAuth2 connect flow (authorization code with PKCE S256).
// It also refreshes and revokes OAuth2 tokens for internal/credentials,
// which calls it through credentials.Providers. Blocks reach providers only
// through the credentials the engine hands them.
package integrations

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Provider is one integration provider.
type Provider struct {
	Name            string
	DisplayName     string
	AuthTypes       []string // OAUTH2, API_KEY, BASIC_AUTH, CUSTOM
	SupportedScopes []string // empty: any scope the provider knows
	DefaultScopes   []string // asked for when startIntegrationOAuth names none
	// APIURL is the provider's API base URL handed to blocks (GitHub:
	// GITHUB_API_URL); "" when blocks do not call a provider API.
	APIURL string
	// Endpoints are the provider's named API endpoints handed to blocks,
	// for a provider whose APIs live at several URLs (Jina: "search" is
	// JINA_SEARCH_URL, "reader" JINA_READER_URL). Operator-set, trusted.
	Endpoints map[string]string
	// OAuth is the provider's OAuth2 client; nil when the provider has no
	// OAuth2 or the operator configured no client for it.
	OAuth *OAuth
}

// OAuth is an OAuth2 client of one provider.
type OAuth struct {
	ClientID, ClientSecret string
	AuthURL, TokenURL      string
	// RevokeURL is the provider's RFC 7009 revocation endpoint; "": none.
	RevokeURL string
	// UserInfoURL answers a JSON object naming the account (login, email,
	// …) for a bearer token; "": the account name stays unknown.
	UserInfoURL string
	// AuthParams are extra authorize-URL parameters (Google: offline
	// access, so that it issues a refresh token).
	AuthParams map[string]string
}

// Configured reports whether the provider can be used: OAuth2-only
// providers need a client.
func (p *Provider) Configured() bool {
	return p.OAuth != nil || slices.ContainsFunc(p.AuthTypes, func(t string) bool { return t != "OAUTH2" })
}

// Registry holds the providers of a deployment.
type Registry struct {
	providers map[string]*Provider
	order     []string
	// HTTPClient makes the token, revocation and user-info requests.
	HTTPClient *http.Client
}

// Get returns a configured provider.
func (r *Registry) Get(name string) (*Provider, bool) {
	p, ok := r.providers[name]
	if !ok || !p.Configured() {
		return nil, false
	}
	return p, true
}

// List returns the configured providers: built-ins first, then the
// operator's, in the order OAUTH_PROVIDERS names them.
func (r *Registry) List() []*Provider {
	out := make([]*Provider, 0, len(r.order))
	for _, n := range r.order {
		if p := r.providers[n]; p.Configured() {
			out = append(out, p)
		}
	}
	return out
}

// BaseURL is the provider's API base URL ("" when none): credentials.Providers.
func (r *Registry) BaseURL(provider string) string {
	if p, ok := r.providers[provider]; ok {
		return p.APIURL
	}
	return ""
}

// AuthTypes are the ways the provider's credentials authenticate (a copy;
// nil when the registry does not know the provider): credentials.Providers.
// An OAuth2-only provider without a client still counts: a token obtained
// elsewhere may be stored for it.
func (r *Registry) AuthTypes(provider string) []string {
	if p, ok := r.providers[provider]; ok {
		return slices.Clone(p.AuthTypes)
	}
	return nil
}

// Endpoints are the provider's named API endpoints (a copy; nil when
// none): credentials.Providers.
func (r *Registry) Endpoints(provider string) map[string]string {
	if p, ok := r.providers[provider]; ok {
		return maps.Clone(p.Endpoints)
	}
	return nil
}

// DefaultGitHubAPIURL is GitHub's API; GITHUB_API_URL replaces it
// (GitHub Enterprise: https://HOST/api/v3).
const DefaultGitHubAPIURL = "https://api.github.com"

// endpointURLs are the named API endpoints of providers whose APIs live
// at several URLs, with the variable that replaces each (a self-hosted
// reader, a proxy, a local stub): Jina's search and reader, Google's Gmail
// API (the other Google APIs get theirs when their blocks come).
var endpointURLs = []struct{ provider, name, env, def string }{
	{"jina", "search", "JINA_SEARCH_URL", "https://s.jina.ai/"},
	{"jina", "reader", "JINA_READER_URL", "https://r.jina.ai/"},
	{"google", "gmail", "GMAIL_API_URL", "https://gmail.googleapis.com/"},
}

// builtins are the providers every deployment knows. OAuth2 endpoints are
// the providers' public ones; the operator supplies only a client.
func builtins(githubAPI string, endpoints map[string]map[string]string, apis map[string]string) []*Provider {
	return []*Provider{
		{Name: "github", DisplayName: "GitHub", AuthTypes: []string{"OAUTH2", "API_KEY"},
			SupportedScopes: []string{"repo", "public_repo", "read:user", "user:email", "read:org", "workflow", "gist", "notifications"},
			DefaultScopes:   []string{"repo", "read:user"}, APIURL: githubAPI,
			OAuth: &OAuth{AuthURL: "https://github.com/login/oauth/authorize", TokenURL: "https://github.com/login/oauth/access_token",
				UserInfoURL: githubAPI + "/user"}},
		// Google's APIs (the Gmail blocks) at their endpoints, with an
		// OAuth2 access token as a bearer token.
		{Name: "google", DisplayName: "Google", AuthTypes: []string{"OAUTH2"}, Endpoints: endpoints["google"],
			SupportedScopes: []string{"openid", "email", "profile",
				"https://www.googleapis.com/auth/gmail.readonly", "https://www.googleapis.com/auth/gmail.send",
				"https://www.googleapis.com/auth/gmail.labels",
				"https://www.googleapis.com/auth/drive.readonly", "https://www.googleapis.com/auth/drive.file",
				"https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/calendar"},
			DefaultScopes: []string{"openid", "email"},
			OAuth: &OAuth{AuthURL: "https://accounts.google.com/o/oauth2/v2/auth", TokenURL: "https://oauth2.googleapis.com/token",
				RevokeURL: "https://oauth2.googleapis.com/revoke", UserInfoURL: "https://openidconnect.googleapis.com/v1/userinfo",
				AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"}}},
		{Name: "openai", DisplayName: "OpenAI", AuthTypes: []string{"API_KEY"}},
		{Name: "anthropic", DisplayName: "Anthropic", AuthTypes: []string{"API_KEY"}},
		{Name: "ollama", DisplayName: "Ollama", AuthTypes: []string{"API_KEY"}},
		{Name: "http", DisplayName: "Any HTTP API", AuthTypes: []string{"API_KEY", "BASIC_AUTH", "CUSTOM"}},
		// Jina's search and reader APIs (SearchTheWebBlock,
		// ExtractWebsiteContentBlock), with an API key as a bearer token.
		{Name: "jina", DisplayName: "Jina AI", AuthTypes: []string{"API_KEY"}, Endpoints: endpoints["jina"]},
		// The services of AutoGPT's example agents, with an API key each
		// (IdeogramModelBlock, ReplicateFluxAdvancedModelBlock,
		// GoogleMapsSearchBlock); their API at the variable apiURLs names.
		{Name: "ideogram", DisplayName: "Ideogram", AuthTypes: []string{"API_KEY"}, APIURL: apis["ideogram"]},
		{Name: "replicate", DisplayName: "Replicate", AuthTypes: []string{"API_KEY"}, APIURL: apis["replicate"]},
		{Name: "google_maps", DisplayName: "Google Maps", AuthTypes: []string{"API_KEY"}, APIURL: apis["google_maps"]},
	}
}

// apiURLs are the API base URLs of providers with one API, by provider,
// with the variable that replaces each (a proxy, a local stub).
var apiURLs = []struct{ provider, env, def string }{
	{"ideogram", "IDEOGRAM_API_URL", "https://api.ideogram.ai"},
	{"replicate", "REPLICATE_API_URL", "https://api.replicate.com"},
	{"google_maps", "GOOGLE_MAPS_API_URL", "https://places.googleapis.com"},
}

var providerName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,49}$`)

// FromEnv builds the registry: the built-ins (GitHub's API at
// GITHUB_API_URL, those endpointURLs names (JINA_SEARCH_URL, GMAIL_API_URL, …) and those
// apiURLs names), an OAuth2
// client for each built-in whose OAUTH_<NAME>_CLIENT_ID and _CLIENT_SECRET are set, and
// each provider OAUTH_PROVIDERS names (OAUTH_<NAME>_CLIENT_ID,
// _CLIENT_SECRET, _AUTH_URL, _TOKEN_URL, _SCOPES; optional _REVOKE_URL,
// _USERINFO_URL, _DISPLAY_NAME; a built-in named there may override its
// endpoints). <NAME> is the name upper-cased with '-' as '_'. Errors name
// the variable.
func FromEnv(getenv func(string) string) (*Registry, error) {
	githubAPI := strings.TrimRight(getenv("GITHUB_API_URL"), "/")
	if githubAPI == "" {
		githubAPI = DefaultGitHubAPIURL
	}
	endpoints := map[string]map[string]string{}
	for _, e := range endpointURLs {
		if endpoints[e.provider] == nil {
			endpoints[e.provider] = map[string]string{}
		}
		endpoints[e.provider][e.name] = e.def
		if v := getenv(e.env); v != "" {
			if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				return nil, fmt.Errorf("%s must be an http(s) URL, got %q", e.env, v)
			}
			endpoints[e.provider][e.name] = v
		}
	}
	apis := map[string]string{}
	for _, e := range apiURLs {
		apis[e.provider] = e.def
		if v := strings.TrimRight(getenv(e.env), "/"); v != "" {
			if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				return nil, fmt.Errorf("%s must be an http(s) URL, got %q", e.env, v)
			}
			apis[e.provider] = v
		}
	}
	r := &Registry{providers: map[string]*Provider{}, HTTPClient: &http.Client{Timeout: 20 * time.Second}}
	for _, p := range builtins(githubAPI, endpoints, apis) {
		r.providers[p.Name] = p
		r.order = append(r.order, p.Name)
		if p.OAuth == nil {
			continue
		}
		v := envPrefix(p.Name)
		p.OAuth.ClientID, p.OAuth.ClientSecret = getenv(v+"CLIENT_ID"), getenv(v+"CLIENT_SECRET")
		if p.OAuth.ClientID == "" || p.OAuth.ClientSecret == "" {
			p.OAuth = nil // not configured: listed only if it has other auth types
		}
	}
	for _, name := range strings.Split(getenv("OAUTH_PROVIDERS"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !providerName.MatchString(name) {
			return nil, fmt.Errorf("OAUTH_PROVIDERS: %q is not a provider name (lower-case letters, digits, - and _; starting with a letter)", name)
		}
		if err := r.addOAuth(name, getenv); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func envPrefix(name string) string {
	return "OAUTH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

// addOAuth adds (or, for a built-in, completes) an operator's provider.
func (r *Registry) addOAuth(name string, getenv func(string) string) error {
	v := envPrefix(name)
	p, builtin := r.providers[name]
	if !builtin {
		p = &Provider{Name: name, DisplayName: name, AuthTypes: []string{"OAUTH2"}}
	}
	if d := getenv(v + "DISPLAY_NAME"); d != "" {
		p.DisplayName = d
	}
	o := &OAuth{}
	if builtin {
		for _, b := range builtins(p.APIURL, nil, nil) {
			if b.Name == name && b.OAuth != nil {
				*o = *b.OAuth
			}
		}
	}
	o.ClientID, o.ClientSecret = getenv(v+"CLIENT_ID"), getenv(v+"CLIENT_SECRET")
	for k, dst := range map[string]*string{"AUTH_URL": &o.AuthURL, "TOKEN_URL": &o.TokenURL, "REVOKE_URL": &o.RevokeURL, "USERINFO_URL": &o.UserInfoURL} {
		if val := getenv(v + k); val != "" {
			*dst = val
		}
	}
	for k, val := range map[string]string{"CLIENT_ID": o.ClientID, "CLIENT_SECRET": o.ClientSecret, "AUTH_URL": o.AuthURL, "TOKEN_URL": o.TokenURL} {
		if val == "" {
			return fmt.Errorf("%s%s must be set for the OAuth2 provider %q (OAUTH_PROVIDERS)", v, k, name)
		}
	}
	for _, k := range []string{"AUTH_URL", "TOKEN_URL", "REVOKE_URL", "USERINFO_URL"} {
		if val := getenv(v + k); val != "" && !strings.HasPrefix(val, "https://") && !strings.HasPrefix(val, "http://") {
			return fmt.Errorf("%s%s must be an http(s) URL, got %q", v, k, val)
		}
	}
	if sc := splitScopes(getenv(v + "SCOPES")); len(sc) > 0 {
		p.SupportedScopes, p.DefaultScopes = sc, sc
	}
	p.OAuth = o
	if !builtin {
		r.providers[name] = p
		r.order = append(r.order, name)
	}
	return nil
}

// splitScopes reads a scope list separated by commas or spaces (GitHub
// answers "repo,user", the RFC "repo user").
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
