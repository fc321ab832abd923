package resolvers

import (
	"context"
	"unicode/utf8"

	"github.com/google/uuid"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// maxCreditDescription bounds an admin's ledger note, like a graph's description.
const maxCreditDescription = 500

func toCredit(c *db.Credit) *gql.UserCredit {
	return &gql.UserCredit{ID: c.ID.String(), UserID: c.UserID.String(), Balance: int32Int(c.Balance), Currency: c.Currency,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (r *userResolver) Credit(ctx context.Context, obj *gql.User) (*gql.UserCredit, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	// Balances are private (authz.UserCredit).
	if owner, _ := uuid.Parse(obj.ID); !authz.UserCredit.Allows(u, owner) {
		return nil, model.ErrForbidden
	}
	id, err := parseID("id", obj.ID)
	if err != nil {
		return nil, err
	}
	c, err := r.Store.CreditGet(ctx, id)
	if err != nil {
		return nil, err
	}
	return toCredit(c), nil
}

func (r *userCreditResolver) Transactions(ctx context.Context, obj *gql.UserCredit, first *int, after *string) (*gql.CreditTransactionConnection, error) {
	n, err := db.PageSize(first, 20, 100)
	if err != nil {
		return nil, err
	}
	cur, err := db.DecodeCursor(after)
	if err != nil {
		return nil, err
	}
	uid, err := parseID("userId", obj.UserID)
	if err != nil {
		return nil, err
	}
	txs, err := r.Store.CreditTransactions(ctx, uid, cur, n+1)
	if err != nil {
		return nil, err
	}
	key := func(t *db.CreditTransaction) db.Cursor { return db.Cursor{Time: t.CreatedAt, ID: t.ID} }
	page, info := paginate(txs, n, after != nil, key)
	conn := &gql.CreditTransactionConnection{PageInfo: info, Edges: make([]*gql.CreditTransactionEdge, len(page))}
	for i, t := range page {
		conn.Edges[i] = &gql.CreditTransactionEdge{Cursor: key(t).Encode(), Node: &gql.CreditTransaction{
			ID: t.ID.String(), Amount: int32Int(t.Amount), TransactionType: gql.TransactionType(t.Type), Description: t.Description,
			ReferenceID: t.ReferenceID, BalanceAfter: int32Int(t.BalanceAfter), CreatedAt: t.CreatedAt,
			IsDebit: t.Amount < 0, IsCredit: t.Amount > 0,
		}}
	}
	return conn, nil
}

func (r *mutationResolver) AddCredits(ctx context.Context, userID string, amount int, description *string) (*gql.UserCredit, error) {
	id, err := parseID("userId", userID)
	if err != nil {
		return nil, err
	}
	if amount <= 0 || amount > 1_000_000_000 {
		return nil, model.Invalid("amount", "must be between 1 and 1000000000")
	}
	desc := "credits added by an admin"
	if description != nil {
		if utf8.RuneCountInString(*description) > maxCreditDescription {
			return nil, model.Invalid("description", "at most %d characters", maxCreditDescription)
		}
		desc = *description
	}
	if _, err := r.Store.UserGet(ctx, id); err != nil {
		return nil, err
	}
	c, err := r.Store.CreditAdd(ctx, id, int64(amount), "PURCHASE", desc)
	if err != nil {
		return nil, err
	}
	return toCredit(c), nil
}
