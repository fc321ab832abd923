package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// blockSyncLock serialises block syncs of processes starting together.
const blockSyncLock = 0x6167_626c_6f63 // "agbloc"

// BlockDescriptor is what the blocks table keeps of one block of the code's
// library. The store takes descriptors, not blocks, so it does not depend
// on the block library (internal/graphs converts).
type BlockDescriptor struct {
	ID                  uuid.UUID
	Name                string
	Description         string
	Categories          []string
	Type                string // the seed's BlockType
	InputSchema         json.RawMessage
	OutputSchema        json.RawMessage
	CredentialProviders []string
	Costs               []BlockCost
}

// BlockCost is one row of block_costs.
type BlockCost struct {
	Type        string // the seed's BlockCostType
	Amount      int64
	Currency    string
	Filter      json.RawMessage // a JSON object
	Description string
}

// BlockSync writes the code's block library to the blocks and block_costs
// tables in one transaction; blocks no longer in the code are disabled, not
// deleted, because stored nodes still reference them.
func (s *Store) BlockSync(ctx context.Context, all []BlockDescriptor) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", blockSyncLock); err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(all))
		for _, b := range all {
			ids = append(ids, b.ID)
			creds := b.CredentialProviders
			if creds == nil {
				creds = []string{}
			}
			cats := b.Categories
			if cats == nil {
				cats = []string{}
			}
			row := dbsqlc.BlockInsertParams{
				ID: b.ID, Name: b.Name, Description: b.Description, Categories: cats,
				BlockType: dbsqlc.BlockType(b.Type), InputSchema: b.InputSchema,
				OutputSchema: b.OutputSchema, CredentialProviders: creds,
			}
			if err := s.q.BlockInsert(ctx, tx.db, row); err != nil {
				return fmt.Errorf("block %s: %w", b.Name, err)
			}
			if err := s.q.BlockUpdate(ctx, tx.db, dbsqlc.BlockUpdateParams{
				ID: row.ID, Name: row.Name, Description: row.Description, Categories: row.Categories,
				BlockType: row.BlockType, InputSchema: row.InputSchema,
				OutputSchema: row.OutputSchema, CredentialProviders: row.CredentialProviders,
			}); err != nil {
				return fmt.Errorf("block %s: %w", b.Name, err)
			}
			// Costs an operator set (setBlockCosts) are theirs: sync leaves them.
			operator, err := s.q.BlockCostOperatorSet(ctx, tx.db, b.ID)
			if err != nil {
				return err
			}
			if operator {
				continue
			}
			if err := s.q.BlockCostDeleteByBlock(ctx, tx.db, b.ID); err != nil {
				return err
			}
			for _, c := range b.Costs {
				err := s.q.BlockCostInsert(ctx, tx.db, dbsqlc.BlockCostInsertParams{
					BlockID: b.ID, CostType: dbsqlc.BlockCostType(c.Type), CostAmount: c.Amount,
					CostCurrency: c.Currency, CostFilter: c.Filter, Description: c.Description, Source: "code",
				})
				if err != nil {
					return fmt.Errorf("block %s cost: %w", b.Name, err)
				}
			}
		}
		return s.q.BlockDisableMissing(ctx, tx.db, ids)
	})
}

// BlockCostChange is costs an operator set on a block: by whom, when.
type BlockCostChange struct {
	BlockID   uuid.UUID
	Costs     []BlockCost
	ChangedBy *uuid.UUID
	ChangedAt time.Time
}

// blockCostJSON is a BlockCost as block_cost_changes.costs keeps it.
type blockCostJSON struct {
	CostType     string          `json:"costType"`
	CostAmount   int64           `json:"costAmount"`
	CostCurrency string          `json:"costCurrency"`
	CostFilter   json.RawMessage `json:"costFilter"`
	Description  string          `json:"description"`
}

// BlockCostsSet replaces a block's costs with operator-set ones, in one
// transaction: the rows (source 'operator', which block sync leaves alone)
// and the change recorded with who made it. model.ErrNotFound for an
// unknown block. Callers validate the costs.
func (s *Store) BlockCostsSet(ctx context.Context, blockID uuid.UUID, costs []BlockCost, by uuid.UUID) (*BlockCostChange, error) {
	var out *BlockCostChange
	err := s.InTx(ctx, func(tx *Store) error {
		if ok, err := s.q.BlockExists(ctx, tx.db, blockID); err != nil || !ok {
			if err == nil {
				err = model.NotFound("block")
			}
			return err
		}
		if err := s.q.BlockCostDeleteByBlock(ctx, tx.db, blockID); err != nil {
			return err
		}
		rec := make([]blockCostJSON, len(costs))
		for i, c := range costs {
			if err := s.q.BlockCostInsert(ctx, tx.db, dbsqlc.BlockCostInsertParams{
				BlockID: blockID, CostType: dbsqlc.BlockCostType(c.Type), CostAmount: c.Amount,
				CostCurrency: c.Currency, CostFilter: c.Filter, Description: c.Description, Source: "operator",
			}); err != nil {
				return err
			}
			rec[i] = blockCostJSON{c.Type, c.Amount, c.Currency, c.Filter, c.Description}
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		row, err := s.q.BlockCostChangeInsert(ctx, tx.db, dbsqlc.BlockCostChangeInsertParams{
			BlockID: blockID, ChangedBy: uuid.NullUUID{UUID: by, Valid: by != uuid.Nil}, Costs: raw})
		if err != nil {
			return err
		}
		out = &BlockCostChange{BlockID: blockID, Costs: costs, ChangedBy: nullID(row.ChangedBy), ChangedAt: row.ChangedAt}
		return nil
	})
	return out, err
}

// BlockCostsOperator returns the costs in force of every block an operator
// set costs for (an empty list: made free); other blocks cost what the
// code says (block sync wrote exactly that).
func (s *Store) BlockCostsOperator(ctx context.Context) ([]BlockCostChange, error) {
	rows, err := s.q.BlockCostOperatorList(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]BlockCostChange, 0, len(rows))
	for _, r := range rows {
		var rec []blockCostJSON
		if err := json.Unmarshal(r.Costs, &rec); err != nil {
			return nil, fmt.Errorf("block %s costs: %w", r.BlockID, err)
		}
		c := BlockCostChange{BlockID: r.BlockID, Costs: make([]BlockCost, len(rec)), ChangedBy: nullID(r.ChangedBy), ChangedAt: r.ChangedAt}
		for i, x := range rec {
			c.Costs[i] = BlockCost{Type: x.CostType, Amount: x.CostAmount, Currency: x.CostCurrency, Filter: x.CostFilter, Description: x.Description}
		}
		out = append(out, c)
	}
	return out, nil
}
