package graphs

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
)

// SyncBlocks writes the service's block library to the blocks tables, which
// stored graph nodes reference; every process that stores graphs or runs
// them syncs at start-up.
func (s *Service) SyncBlocks(ctx context.Context) error {
	ds, err := blockDescriptors(s.reg)
	if err != nil {
		return err
	}
	return s.store.BlockSync(ctx, ds)
}

// blockDescriptors is what the store keeps of each block of reg.
func blockDescriptors(reg *blocks.Registry) ([]db.BlockDescriptor, error) {
	all := reg.All()
	out := make([]db.BlockDescriptor, len(all))
	for i, b := range all {
		info := b.Info()
		id, err := uuid.Parse(info.ID)
		if err != nil {
			return nil, fmt.Errorf("block %s: id %q is not a UUID", info.Name, info.ID)
		}
		d := db.BlockDescriptor{ID: id, Name: info.Name, Description: info.Description, Type: string(info.Type),
			InputSchema: info.InputSchema, OutputSchema: info.OutputSchema, CredentialProviders: info.ProviderNames(),
			Categories: make([]string, len(info.Categories)), Costs: make([]db.BlockCost, len(info.Costs))}
		for j, c := range info.Categories {
			d.Categories[j] = string(c)
		}
		for j, c := range info.Costs {
			d.Costs[j] = db.BlockCost{Type: string(c.Type), Amount: c.Amount, Currency: c.CurrencyOrDefault(),
				Filter: c.FilterJSON(), Description: c.Description}
		}
		out[i] = d
	}
	return out, nil
}
