package blocks

import (
	"net/http"
	"slices"
)

// Credential auth types (the seed's AuthType).
const (
	AuthOAuth2    = "OAUTH2"
	AuthAPIKey    = "API_KEY"
	AuthBasic     = "BASIC_AUTH"
	AuthCustom    = "CUSTOM"
	credentialPin = "credentials"
)

// Credential is a decrypted credential handed to a block for one run. The
// fields after Username were added with the provider registry; blocks that
// only read Provider/Type/Secret/Username keep working.
type Credential struct {
	Provider string
	Type     string // OAUTH2 | API_KEY | BASIC_AUTH | CUSTOM
	Secret   string // access token, API key or password; never logged
	Username string
	// ID and Title name the stored credential (safe to show).
	ID    string
	Title string
	// Scopes granted (OAuth2).
	Scopes []string
	// TokenType is the OAuth2 token type ("Bearer" when the provider said none).
	TokenType string
	// Header, when set (the credential's metadata "header"), is the request
	// header the secret goes in, as is, instead of Authorization.
	Header string
	// BaseURL is where the credential's API lives: the provider's API base
	// URL from the registry (e.g. GITHUB_API_URL; operator-set, trusted), or
	// for a model provider a gateway or Ollama server the credential names.
	// A user's own base URL is dialled through the SSRF guard; an
	// operator's is trusted. Empty: the provider's default.
	BaseURL string
	// Endpoints are the provider's named API endpoints, for a provider
	// whose APIs live at several URLs (jina: "search", "reader"), from the
	// registry (operator-set, trusted). Nil: the provider's defaults.
	Endpoints map[string]string
	// Operator: the platform's own key (configured by the operator), whose
	// use the platform pays and charges for; false for the user's own.
	Operator bool
}

// Apply authenticates req with the credential: the secret in the custom
// header when the credential names one, basic auth for BASIC_AUTH, else
// a bearer token (OAuth2 access tokens and API keys).
func (c *Credential) Apply(req *http.Request) {
	switch {
	case c.Header != "":
		req.Header.Set(c.Header, c.Secret)
	case c.Type == AuthBasic:
		req.SetBasicAuth(c.Username, c.Secret)
	default:
		req.Header.Set("Authorization", "Bearer "+c.Secret)
	}
}

// CredentialsMeta is a node's credentials input, AutoGPT's
// CredentialsMetaInput: it names a stored credential and never holds a
// secret, so it is what node executions store and events show.
type CredentialsMeta struct {
	ID       string `json:"id" jsonschema:"format=uuid" jsonschema_description:"The id of one of your stored credentials (see the credentials query)."`
	Title    string `json:"title,omitempty" jsonschema_description:"The credential's title, for display."`
	Provider string `json:"provider,omitempty" jsonschema_description:"The credential's provider, for display."`
	Type     string `json:"type,omitempty" jsonschema_description:"The credential's auth type, for display."`
}

// CredentialsSpec is what a block's credentials input accepts. A node with
// a chosen credential ({id}) gets that one; a node without gets the user's
// newest valid credential of the first listed provider they have, unless
// Optional.
type CredentialsSpec struct {
	Providers []string // accepted providers; empty: any
	AuthTypes []string // accepted auth types; empty: any
	Scopes    []string // OAuth2 scopes a credential must have been granted
	Optional  bool     // the block runs without credentials
}

// Accepts says why c cannot serve the spec, or "" when it can.
func (s *CredentialsSpec) Accepts(provider, authType string, scopes []string) string {
	if len(s.Providers) > 0 && !slices.Contains(s.Providers, provider) {
		return "its provider is " + provider + ", the block accepts " + join(s.Providers)
	}
	if len(s.AuthTypes) > 0 && !slices.Contains(s.AuthTypes, authType) {
		return "its auth type is " + authType + ", the block accepts " + join(s.AuthTypes)
	}
	if authType == AuthOAuth2 {
		var missing []string
		for _, sc := range s.Scopes {
			if !slices.Contains(scopes, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			return "it lacks the scopes " + join(missing) + " (reconnect with them)"
		}
	}
	return ""
}

func join(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// ChosenCredential is the id in a node's credentials input, or "".
func ChosenCredential(input map[string]any) string {
	m, _ := input[credentialPin].(map[string]any)
	id, _ := m["id"].(string)
	return id
}

// CredentialNeed is one node's need, checked against the user's stored
// credentials before a run is accepted.
type CredentialNeed struct {
	Node  string // how messages name the node
	Block string
	Spec  CredentialsSpec
	ID    string // the chosen credential; "": the newest of the providers
}

// ProviderNames lists every provider the block takes credentials of: those
// it needs (CredentialProviders) and those its credentials input accepts.
func (i *Info) ProviderNames() []string {
	out := append([]string{}, i.CredentialProviders...)
	if i.Credentials != nil {
		for _, p := range i.Credentials.Providers {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
