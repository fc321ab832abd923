package db

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
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
			if err := s.q.BlockCostDeleteByBlock(ctx, tx.db, b.ID); err != nil {
				return err
			}
			for _, c := range b.Costs {
				err := s.q.BlockCostInsert(ctx, tx.db, dbsqlc.BlockCostInsertParams{
					BlockID: b.ID, CostType: dbsqlc.BlockCostType(c.Type), CostAmount: c.Amount,
					CostCurrency: c.Currency, CostFilter: c.Filter, Description: c.Description,
				})
				if err != nil {
					return fmt.Errorf("block %s cost: %w", b.Name, err)
				}
			}
		}
		return s.q.BlockDisableMissing(ctx, tx.db, ids)
	})
}
