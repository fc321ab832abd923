package db

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Credit is a user's balance (the seed's UserCredit).
type Credit struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Balance   int64
	Currency  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CreditTransaction is one ledger entry (the seed's CreditTransaction).
type CreditTransaction struct {
	ID           uuid.UUID
	Amount       int64
	Type         string
	Description  string
	ReferenceID  *string
	BalanceAfter int64
	CreatedAt    time.Time
}

// CreditGet returns a user's balance, creating the zero row on first use.
func (s *Store) CreditGet(ctx context.Context, userID uuid.UUID) (*Credit, error) {
	row, err := s.q.UserCreditEnsure(ctx, s.db, userID)
	if err != nil {
		return nil, notFound(err, "user")
	}
	return creditFromRow(row), nil
}

// CreditAdd adds a positive amount and records the ledger entry in one
// transaction; model.ErrInvalid (on "amount") when the balance would pass
// model.MaxBalance, nothing written.
func (s *Store) CreditAdd(ctx context.Context, userID uuid.UUID, amount int64, typ, description string) (*Credit, error) {
	var out *Credit
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := s.q.UserCreditEnsure(ctx, tx.db, userID); err != nil {
			return userMissing(err)
		}
		row, err := s.q.UserCreditAdd(ctx, tx.db, dbsqlc.UserCreditAddParams{UserID: userID, Amount: amount, MaxBalance: model.MaxBalance})
		if err == pgx.ErrNoRows {
			return model.Invalid("amount", "would take the balance past %d, the most it may hold", model.MaxBalance)
		}
		if err != nil {
			return err
		}
		_, err = s.q.CreditTransactionInsert(ctx, tx.db, dbsqlc.CreditTransactionInsertParams{
			UserID: userID, Amount: amount, TransactionType: dbsqlc.TransactionType(typ),
			Description: description, BalanceAfter: row.Balance,
		})
		out = creditFromRow(row)
		return err
	})
	return out, err
}

// CreditTransactions pages through a user's ledger, newest first.
func (s *Store) CreditTransactions(ctx context.Context, userID uuid.UUID, before *Cursor, limit int) ([]*CreditTransaction, error) {
	p := dbsqlc.CreditTransactionListByUserParams{UserID: userID, Lim: int32(limit)}
	if before != nil {
		p.BeforeCreated, p.BeforeID = &before.Time, uuid.NullUUID{UUID: before.ID, Valid: true}
	}
	rows, err := s.q.CreditTransactionListByUser(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make([]*CreditTransaction, len(rows))
	for i, r := range rows {
		out[i] = &CreditTransaction{ID: r.ID, Amount: r.Amount, Type: string(r.TransactionType), Description: r.Description,
			ReferenceID: r.ReferenceID, BalanceAfter: r.BalanceAfter, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

func creditFromRow(r dbsqlc.UserCredit) *Credit {
	return &Credit{ID: r.ID, UserID: r.UserID, Balance: r.Balance, Currency: r.Currency, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt}
}

// CreditAdjust adds a signed amount with a reason, as an ADJUSTMENT, in one
// transaction; model.ErrInvalid (on "amount") when the balance would go
// below zero, nothing written.
func (s *Store) CreditAdjust(ctx context.Context, userID uuid.UUID, amount int64, reason string) (*Credit, error) {
	var out *Credit
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := s.q.UserCreditEnsure(ctx, tx.db, userID); err != nil {
			return userMissing(err)
		}
		row, err := s.q.UserCreditAdjust(ctx, tx.db, dbsqlc.UserCreditAdjustParams{UserID: userID, Amount: amount, MaxBalance: model.MaxBalance})
		if err == pgx.ErrNoRows {
			if amount > 0 {
				return model.Invalid("amount", "would take the balance past %d, the most it may hold", model.MaxBalance)
			}
			return model.Invalid("amount", "would take the balance below zero")
		}
		if err != nil {
			return err
		}
		_, err = s.q.CreditTransactionInsert(ctx, tx.db, dbsqlc.CreditTransactionInsertParams{
			UserID: userID, Amount: amount, TransactionType: dbsqlc.TransactionTypeADJUSTMENT,
			Description: reason, BalanceAfter: row.Balance,
		})
		out = creditFromRow(row)
		return err
	})
	return out, err
}

// CreditUsage is a user's execution charges net of refunds in [from, to),
// grouped by "GRAPH", "BLOCK" or "DAY", from the ledger.
func (s *Store) CreditUsage(ctx context.Context, userID uuid.UUID, from, to time.Time, groupBy string) ([]model.UsageLine, error) {
	rows, err := s.q.CreditUsage(ctx, s.db, dbsqlc.CreditUsageParams{GroupBy: groupBy, UserID: userID, FromTime: from, ToTime: to})
	if err != nil {
		return nil, err
	}
	out := make([]model.UsageLine, len(rows))
	for i, r := range rows {
		out[i] = model.UsageLine{Key: r.Key, Credits: r.Credits, Runs: r.Runs, NodeExecutions: r.NodeExecutions}
	}
	return out, nil
}

// userMissing maps the foreign-key violation of a balance opened for a
// user that does not exist to NOT_FOUND.
func userMissing(err error) error {
	if code, _ := constraint(err); code == codeForeignKeyViolation {
		return model.NotFound("user")
	}
	return notFound(err, "user")
}
