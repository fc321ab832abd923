package origin_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/origin"
)

func TestAllowed(t *testing.T) {
	t.Parallel()
	list := []string{"https://app.example", "admin.example:8443", "https://slash.example/"}
	for o, want := range map[string]bool{
		"https://app.example":       true,
		"https://APP.example":       true,
		"http://app.example":        false, // full origins compare the scheme too
		"https://app.example:444":   false,
		"http://admin.example:8443": true, // a bare host matches any scheme
		"https://admin.example":     false,
		"https://slash.example":     true,
		"https://evil.example":      false,
		"null":                      false,
		"":                          false,
		"app.example":               false, // not an origin at all
	} {
		require.Equal(t, want, origin.Allowed(list, o), o)
	}
	require.True(t, origin.Allowed([]string{"*"}, "https://anything.example"))
	require.False(t, origin.Allowed([]string{"*"}, "null"))
	require.False(t, origin.Allowed(nil, "https://app.example"))
	require.True(t, origin.Any([]string{"https://a.example", "*"}))
	require.False(t, origin.Any(list))
}
