package resolvers

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
)

func (r *mutationResolver) AdjustCredits(ctx context.Context, userID string, amount int, reason string) (*gql.UserCredit, error) {
	id, err := parseID("userId", userID)
	if err != nil {
		return nil, err
	}
	if amount == 0 || amount > 1_000_000_000 || amount < -1_000_000_000 {
		return nil, model.Invalid("amount", "must be non-zero, between -1000000000 and 1000000000")
	}
	if n := len([]rune(reason)); n == 0 || n > 500 || strings.TrimSpace(reason) == "" {
		return nil, model.Invalid("reason", "is required: 1 to 500 characters")
	}
	c, err := r.Store.CreditAdjust(ctx, id, int64(amount), reason)
	if err != nil {
		return nil, err
	}
	return toCredit(c), nil
}

func (r *mutationResolver) SetBlockCosts(ctx context.Context, blockID string, costs []*gql.BlockCostInput) (*gql.Block, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("blockId", blockID)
	if err != nil {
		return nil, err
	}
	b, ok := r.Registry.ByID(blockID)
	if !ok {
		return nil, model.NotFound("block")
	}
	rows := make([]db.BlockCost, len(costs))
	for i, c := range costs {
		field := "costs[" + strconv.Itoa(i) + "]"
		if !c.CostType.IsValid() {
			return nil, model.Invalid(field+".costType", "unknown cost kind %q", c.CostType)
		}
		if c.CostAmount < 0 {
			return nil, model.Invalid(field+".costAmount", "must be 0 or more")
		}
		cur := blocks.DefaultCurrency
		if c.CostCurrency != nil {
			if *c.CostCurrency == "" || len(*c.CostCurrency) > 10 {
				return nil, model.Invalid(field+".costCurrency", "must be 1 to 10 characters")
			}
			cur = *c.CostCurrency
		}
		filter := json.RawMessage("{}")
		if len(c.CostFilter) > 0 && string(c.CostFilter) != "null" {
			var m map[string]any
			if json.Unmarshal(c.CostFilter, &m) != nil || m == nil {
				return nil, model.Invalid(field+".costFilter", "must be a JSON object")
			}
			filter = json.RawMessage(c.CostFilter)
		}
		desc := ""
		if c.Description != nil {
			desc = *c.Description
		}
		rows[i] = db.BlockCost{Type: string(c.CostType), Amount: int64(c.CostAmount), Currency: cur, Filter: filter, Description: desc}
	}
	if _, err := r.Store.BlockCostsSet(ctx, id, rows, u.ID); err != nil {
		return nil, err
	}
	_ = r.Runs.ReloadCosts(ctx) // in force here at once; elsewhere within the cache's TTL
	return r.blockWithCosts(b), nil
}

// blockWithCosts is toBlock with the costs in force (an operator's, if set).
func (r *Resolver) blockWithCosts(b blocks.Block) *gql.Block {
	out := toBlock(r.Registry, b)
	info := b.Info()
	if r.Runs == nil { // an API without an engine serves the code's costs
		return out
	}
	costs := r.Runs.CostsFor(info.ID, info.Costs)
	out.Costs = make([]*gql.BlockCost, len(costs))
	for i, c := range costs {
		out.Costs[i] = &gql.BlockCost{CostType: gql.BlockCostType(c.Type), CostAmount: int(c.Amount),
			CostCurrency: c.CurrencyOrDefault(), CostFilter: gqlscalar.JSON(c.FilterJSON()), Description: c.Description}
	}
	return out
}

func (r *queryResolver) EstimateGraphCost(ctx context.Context, graphID string, version *int, inputs gqlscalar.JSON) (*gql.CostEstimate, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := lookupGraph("graphId", graphID)
	if err != nil {
		return nil, err
	}
	in, err := jsonObjectArg("inputs", inputs)
	if err != nil {
		return nil, err
	}
	v, err := ref.withVersion("version", version)
	if err != nil {
		return nil, err
	}
	est, err := r.Runs.Estimate(ctx, u.ID, ref.id, v, in)
	if err != nil {
		return nil, err
	}
	out := &gql.CostEstimate{Min: int32Int(est.Min), ByNode: make([]*gql.NodeCostEstimate, len(est.ByNode))}
	if est.Max != nil {
		m := int32Int(*est.Max)
		out.Max = &m
	}
	for i, n := range est.ByNode {
		out.ByNode[i] = &gql.NodeCostEstimate{NodeKey: n.NodeKey, CostType: gql.BlockCostType(n.CostType),
			Amount: int32Int(n.Amount), Min: int32Int(n.Min), MayRepeat: n.MayRepeat, PricedByLinks: n.PricedByLinks}
	}
	return out, nil
}

func (r *userResolver) Usage(ctx context.Context, obj *gql.User, from time.Time, to time.Time, groupBy gql.UsageGroupBy) ([]*gql.UsageLine, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	owner, err := uuid.Parse(obj.ID)
	if err != nil {
		return nil, model.NotFound("user")
	}
	// Usage is as private as the balance (authz.UserUsage).
	if !authz.UserUsage.Allows(u, owner) {
		return nil, model.ErrForbidden
	}
	if !to.After(from) {
		return nil, model.Invalid("to", "must be after from")
	}
	if to.Sub(from) > 366*24*time.Hour {
		return nil, model.Invalid("to", "must be at most 366 days after from")
	}
	if !groupBy.IsValid() {
		return nil, model.Invalid("groupBy", "unknown grouping %q", groupBy)
	}
	lines, err := r.Store.CreditUsage(ctx, owner, from, to, string(groupBy))
	if err != nil {
		return nil, err
	}
	out := make([]*gql.UsageLine, len(lines))
	for i, l := range lines {
		out[i] = &gql.UsageLine{Key: l.Key, Credits: int32Int(l.Credits), Runs: int(l.Runs), NodeExecutions: int(l.NodeExecutions)}
	}
	return out, nil
}
