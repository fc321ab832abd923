package resolvers

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Credit amounts past a GraphQL Int's 32 bits show as its bound, never as
// a number graphql-js clients refuse (an unpayable estimate saturates at
// 2^50, a balance refunded past model.MaxBalance).
func TestInt32Int(t *testing.T) {
	t.Parallel()
	require.Equal(t, 5, int32Int(5))
	require.Equal(t, -5, int32Int(-5))
	require.Equal(t, math.MaxInt32, int32Int(1<<50))
	require.Equal(t, math.MaxInt32, int32Int(3_000_000_000))
	require.Equal(t, math.MinInt32, int32Int(math.MinInt64))
}
