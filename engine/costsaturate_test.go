package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// pricedWait prices WaitBlock per second at perSecond, as an operator's
// price rule would; other blocks keep their code's costs.
type pricedWait int64

func (p pricedWait) For(blockID string, code []blocks.Cost) []blocks.Cost {
	if blockID == blocks.WaitBlock().Info().ID {
		return []blocks.Cost{{Type: blocks.CostSecond, Amount: int64(p), Currency: blocks.DefaultCurrency}}
	}
	return code
}

// A reservation too large for int64 saturates at a price no balance pays:
// the node fails for insufficient credits, nothing charged, instead of the
// product wrapping to a small (or zero) price and the wait running free.
func TestAnUnpayablePriceIsRefusedNotWrapped(t *testing.T) {
	t.Parallel()
	// 2^47 credits a second times the 86,401 seconds reserved passes 2^63.
	e := newEnv(t, Options{Costs: pricedWait(1 << 47)})
	u := e.user(1000)
	fg := e.graph(u, []nspec{{Key: "w", Block: "WaitBlock", Defaults: map[string]any{"seconds": 86400, "data": 1}}}, nil)
	w := e.watch(fg.ID)
	got := w.until(e.submit(u, fg, nil).ID, nil)
	require.Equal(t, model.StatusFailed, got.Status)
	require.Contains(t, *got.ErrorMessage, "insufficient credits")
	bal, sum := ledger(t, e, u.ID)
	require.Equal(t, int64(1000), bal, "nothing charged")
	require.Equal(t, bal, sum)
}
