package db

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
)

// blockSyncLock serialises block syncs of processes starting together.
const blockSyncLock = 0x6167_626c_6f63 // "agbloc"

// BlockSync writes the code's block registry to the blocks and block_costs
// tables in one transaction; blocks no longer in the code are disabled, not
// deleted, because stored nodes still reference them.
func (s *Store) BlockSync(ctx context.Context, all []blocks.Block) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", blockSyncLock); err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(all))
		for _, b := range all {
			info := b.Info()
			id, err := uuid.Parse(info.ID)
			if err != nil {
				return fmt.Errorf("block %s: id %q is not a UUID", info.Name, info.ID)
			}
			ids = append(ids, id)
			cats := make([]string, len(info.Categories))
			for i, c := range info.Categories {
				cats[i] = string(c)
			}
			creds := info.CredentialProviders
			if creds == nil {
				creds = []string{}
			}
			err = s.q.BlockUpsert(ctx, tx.db, dbsqlc.BlockUpsertParams{
				ID: id, Name: info.Name, Description: info.Description, Categories: cats,
				BlockType: dbsqlc.BlockType(info.Type), InputSchema: info.InputSchema,
				OutputSchema: info.OutputSchema, CredentialProviders: creds,
			})
			if err != nil {
				return fmt.Errorf("block %s: %w", info.Name, err)
			}
			if err := s.q.BlockCostDeleteByBlock(ctx, tx.db, id); err != nil {
				return err
			}
			for _, c := range info.Costs {
				err := s.q.BlockCostInsert(ctx, tx.db, dbsqlc.BlockCostInsertParams{
					BlockID: id, CostType: dbsqlc.BlockCostType(c.Type), CostAmount: c.Amount,
					CostCurrency: c.CurrencyOrDefault(), CostFilter: c.FilterJSON(), Description: c.Description,
				})
				if err != nil {
					return fmt.Errorf("block %s cost: %w", info.Name, err)
				}
			}
		}
		return s.q.BlockDisableMissing(ctx, tx.db, ids)
	})
}
