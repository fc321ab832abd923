package events

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTerminal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind   Kind
		status string
		want   bool
	}{
		{KindGraphStatus, "QUEUED", false},
		{KindGraphStatus, "RUNNING", false},
		{KindGraphStatus, "COMPLETED", true},
		{KindGraphStatus, "FAILED", true},
		{KindGraphStatus, "CANCELLED", true},
		{KindGraphStatus, "TIMEOUT", true},
		{KindNodeStatus, "COMPLETED", false},
		{KindNodeOutput, "", false},
	} {
		require.Equal(t, tc.want, Event{Kind: tc.kind, Status: tc.status}.Terminal(), "%s %s", tc.kind, tc.status)
	}
}

func TestPatternEscapesGlob(t *testing.T) {
	t.Parallel()
	require.Equal(t, `app:*`, pattern("app:"))
	require.Equal(t, `a\*b\?c\[1\]\\:*`, pattern(`a*b?c[1]\:`))
	require.Equal(t, `*`, pattern(""))
}
