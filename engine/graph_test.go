package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
)

// TestMayRunSpeculatively pins the speculation rule: only blocks whose
// whole effect is their outputs may run before their inputs are committed.
func TestMayRunSpeculatively(t *testing.T) {
	t.Parallel()
	pure := blocks.Info{Type: blocks.TypeStandard, Categories: []blocks.Category{blocks.CategoryData}}
	with := func(f func(*blocks.Info)) *blocks.Info { i := pure; f(&i); return &i }
	cases := []struct {
		name string
		info *blocks.Info
		want bool
	}{
		{"side-effect free", &pure, true},
		{"input block", with(func(i *blocks.Info) { i.Type = blocks.TypeInput }), true},
		{"with a cost", with(func(i *blocks.Info) { i.Costs = []blocks.Cost{{Type: blocks.CostSecond, Amount: 1}} }), false},
		{"with credentials", with(func(i *blocks.Info) { i.CredentialProviders = []string{"github"} }), false},
		{"integration", with(func(i *blocks.Info) { i.Categories = append(i.Categories, blocks.CategoryIntegration) }), false},
		{"AI", with(func(i *blocks.Info) { i.Type = blocks.TypeAI }), false},
		{"webhook", with(func(i *blocks.Info) { i.Type = blocks.TypeWebhook }), false},
		{"agent", with(func(i *blocks.Info) { i.Type = blocks.TypeAgent }), false},
		{"writes stored data", with(func(i *blocks.Info) { i.SideEffects = true }), false},
	}
	for _, c := range cases {
		require.Equal(t, c.want, mayRunSpeculatively(c.info, false), c.name)
		require.False(t, mayRunSpeculatively(c.info, true), c.name+" (strict)")
	}
}
