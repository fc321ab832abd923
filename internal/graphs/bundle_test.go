package graphs

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestFreeName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a", freeName("a", map[string]bool{"b": true}))
	require.Equal(t, "a (2)", freeName("a", map[string]bool{"a": true}))
	require.Equal(t, "a (4)", freeName("a", map[string]bool{"a": true, "a (2)": true, "a (3)": true}))
	long := strings.Repeat("é", MaxNameLen)
	got := freeName(long, map[string]bool{long: true})
	require.Equal(t, MaxNameLen, utf8.RuneCountInString(got), "the suffix fits within the limit")
	require.True(t, strings.HasSuffix(got, "é (2)"))
}
