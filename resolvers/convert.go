package resolvers

import (
	"encoding/json"
	"math"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
)

func toUser(u *model.User) *gql.User {
	return &gql.User{
		ID: u.ID.String(), Email: u.Email, Name: u.Name, Role: gql.UserRole(u.Role), Timezone: u.Timezone,
		Locale: u.Locale, Preferences: toPreferences(model.ReadPreferences(u.Preferences, u.Locale)), IsActive: u.IsActive, CreatedAt: u.CreatedAt,
		UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt, DisplayName: u.DisplayName(),
		IsAdmin:   authz.Allows(u, authz.Moderator), // the seed's is_admin is staff: MODERATOR too
		IsNewUser: u.IsNewUser(time.Now()),
	}
}

func toPreferences(p model.Preferences) *gql.UserPreferences {
	return &gql.UserPreferences{Theme: gql.Theme(p.Theme), Language: p.Language,
		NotificationsEnabled: p.NotificationsEnabled, AutoSaveEnabled: p.AutoSaveEnabled,
		DefaultGraphSettings: mustJSON(p.DefaultGraphSettings), Other: mustJSON(p.Other)}
}

// mustJSON encodes a value decoded from JSON, which always encodes again.
func mustJSON(v any) gqlscalar.JSON {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return gqlscalar.JSON(b)
}

func toAPIKey(k *model.APIKey) *gql.APIKey {
	perms := gql.AllAPIKeyPermission // nil: every permission
	if k.Permissions != nil {
		perms = make([]gql.APIKeyPermission, len(k.Permissions))
		for i, p := range k.Permissions {
			perms[i] = gql.APIKeyPermission(p)
		}
	}
	return &gql.APIKey{ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt,
		LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt, IsRevoked: k.RevokedAt != nil, Permissions: perms}
}

func toGraph(g *model.Graph) *gql.Graph {
	out := &gql.Graph{
		ID: versionID(g.ID, g.Version), GraphID: g.ID.String(), Version: g.Version, Name: g.Name,
		Description: g.Description, IsActive: g.IsActive, IsTemplate: g.IsTemplate, ForkedFromVersion: g.ForkedFromVersion, CreatedAt: g.CreatedAt,
		UpdatedAt: g.UpdatedAt, OwnerID: g.UserID.String(),
	}
	if g.ForkedFromID != nil {
		s := g.ForkedFromID.String()
		out.ForkedFromID = &s
	}
	return out
}

func toBlock(reg *blocks.Registry, b blocks.Block) *gql.Block {
	info := b.Info()
	cats := make([]gql.BlockCategory, len(info.Categories))
	for i, c := range info.Categories {
		cats[i] = gql.BlockCategory(c)
	}
	costs := make([]*gql.BlockCost, len(info.Costs))
	for i, c := range info.Costs {
		costs[i] = &gql.BlockCost{CostType: gql.BlockCostType(c.Type), CostAmount: int(c.Amount),
			CostCurrency: c.CurrencyOrDefault(), CostFilter: gqlscalar.JSON(c.FilterJSON()), Description: c.Description}
	}
	creds := info.ProviderNames()
	return &gql.Block{
		ID: info.ID, Name: info.Name, Description: info.Description, Categories: cats,
		BlockType: gql.BlockType(info.Type), InputSchema: gqlscalar.JSON(info.InputSchema),
		OutputSchema: gqlscalar.JSON(info.OutputSchema), Costs: costs, CredentialsProviderNames: creds,
		RequiredInputs: reg.RequiredInputs(info.ID), UISchema: gqlscalar.JSON(reg.UISchema(info.ID)),
		Examples: gqlscalar.JSON(reg.Examples(info.ID)),
	}
}

func toProblem(p model.Problem) *gql.GraphProblem {
	out := &gql.GraphProblem{Code: gql.GraphProblemCode(p.Code), Message: p.Message, NodeKeys: p.NodeKeys, LinkIndex: p.LinkIndex}
	if out.NodeKeys == nil {
		out.NodeKeys = []string{}
	}
	if p.Pin != "" {
		pin := p.Pin
		out.Pin = &pin
	}
	return out
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// int32Int is a credit amount as a GraphQL Int, which is 32 bits (graphql-js
// refuses more): one past the range shows as its bound. A balance is kept
// within model.MaxBalance, but a refund, a user's total spend, or an
// estimate of an unpayable run (costs saturate far above it) may pass it.
func int32Int(v int64) int {
	return int(max(math.MinInt32, min(v, math.MaxInt32)))
}
