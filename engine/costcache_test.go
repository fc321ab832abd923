package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
)

// TestOperatorCostsInForceFromTheFirstNode: a process that has just started
// prices its very first node with the costs an operator set, not with the
// code's (it used to answer the code's costs until a background read
// finished, so a just-started worker's first nodes of a block an operator
// made paid ran free).
func TestOperatorCostsInForceFromTheFirstNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	blk, ok := e.reg.ByName("StoreValueBlock")
	require.True(t, ok)
	id := uuid.MustParse(blk.Info().ID)
	_, err := e.store.BlockCostsSet(ctx, id, []db.BlockCost{{Type: "RUN", Amount: 3, Currency: blocks.DefaultCurrency,
		Filter: json.RawMessage(`{}`), Description: "operator"}}, uuid.Nil)
	require.NoError(t, err)

	fresh := New(e.store, e.reg, e.pub, nil, Options{}) // not started: pricing alone
	got := fresh.CostsFor(id.String(), blk.Info().Costs)
	require.Len(t, got, 1, "the first answer already has the operator's cost")
	require.Equal(t, blocks.CostRun, got[0].Type)
	require.EqualValues(t, 3, got[0].Amount)
}
