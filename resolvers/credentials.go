package resolvers

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/model"
)

func toCredential(c *model.Credential) *gql.IntegrationCredential {
	now := time.Now()
	return &gql.IntegrationCredential{ID: c.ID.String(), Provider: c.Provider, AuthType: gql.AuthType(c.AuthType),
		Title: c.Title, Username: c.Username, Scopes: c.Scopes, Metadata: jsonOr(c.Metadata, "{}"), ExpiresAt: c.ExpiresAt,
		IsActive: c.IsActive, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, IsExpired: c.IsExpired(now), IsValid: c.IsValid(now),
		InvalidReason: c.InvalidReason}
}

func (r *queryResolver) Credentials(ctx context.Context, provider *string) ([]*gql.IntegrationCredential, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if provider != nil && utf8.RuneCountInString(*provider) > credentials.MaxProviderLen {
		return nil, model.Invalid("provider", "at most %d characters: no provider name is longer", credentials.MaxProviderLen)
	}
	cs, err := r.CredentialService.List(ctx, u.ID, provider)
	if err != nil {
		return nil, err
	}
	out := make([]*gql.IntegrationCredential, len(cs))
	for i, c := range cs {
		out[i] = toCredential(c)
	}
	return out, nil
}

func (r *mutationResolver) CreateCredential(ctx context.Context, input gql.IntegrationCredentialInput) (*gql.IntegrationCredential, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	meta, err := jsonObjectArg("input.metadata", input.Metadata)
	if err != nil {
		return nil, err
	}
	n := credentials.New{Provider: input.Provider, AuthType: string(input.AuthType), Secret: input.Secret,
		Username: input.Username, Scopes: input.Scopes, ExpiresAt: input.ExpiresAt}
	if input.Title != nil {
		n.Title = *input.Title
	}
	if input.RefreshToken != nil {
		n.RefreshToken = *input.RefreshToken
	}
	if meta != nil {
		n.Metadata, _ = json.Marshal(meta)
	}
	c, err := r.CredentialService.Create(ctx, u.ID, n)
	if err != nil {
		return nil, model.Within("input", err)
	}
	return toCredential(c), nil
}

func (r *mutationResolver) DeleteCredential(ctx context.Context, id string) (bool, error) {
	u, err := me(ctx)
	if err != nil {
		return false, err
	}
	cid, err := parseID("id", id)
	if err != nil {
		return false, err
	}
	return true, r.CredentialService.Delete(ctx, u.ID, cid)
}

func (r *queryResolver) IntegrationProviders(ctx context.Context) ([]*gql.IntegrationProvider, error) {
	if r.Integrations == nil {
		return []*gql.IntegrationProvider{}, nil
	}
	ps := r.Integrations.Registry.List()
	out := make([]*gql.IntegrationProvider, len(ps))
	for i, p := range ps {
		gp := &gql.IntegrationProvider{Name: p.Name, DisplayName: p.DisplayName, SupportedScopes: p.SupportedScopes}
		for _, t := range p.AuthTypes {
			if t != "OAUTH2" || p.OAuth != nil {
				gp.AuthTypes = append(gp.AuthTypes, gql.AuthType(t))
			}
		}
		if gp.SupportedScopes == nil || p.OAuth == nil {
			gp.SupportedScopes = []string{}
		}
		out[i] = gp
	}
	return out, nil
}

func (r *mutationResolver) StartIntegrationOAuth(ctx context.Context, provider string, scopes []string, redirectTo *string) (*gql.IntegrationOAuthStart, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	if r.Integrations == nil {
		return nil, model.Invalid("provider", "this server has no integrations configured")
	}
	url, err := r.Integrations.Start(ctx, u.ID, provider, scopes, redirectTo)
	if err != nil {
		return nil, err
	}
	return &gql.IntegrationOAuthStart{AuthorizeURL: url}, nil
}
