package events

import "strings"

// Channel names are shared by Publisher and Hub; both take the same prefix so
// several deployments (or tests) can share one Redis without cross-talk.

func execChannel(prefix, executionID string) string { return prefix + "exec:" + executionID }

func graphChannel(prefix, graphID string) string { return prefix + "graph:" + graphID }

// pattern is the one PSUBSCRIBE pattern covering every channel under prefix.
// Glob metacharacters in the prefix are escaped so that a prefix such as
// "app[1]:" matches itself literally rather than a character class.
func pattern(prefix string) string {
	var b strings.Builder
	for _, r := range prefix {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('*')
	return b.String()
}
