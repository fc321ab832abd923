package blocks

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMatchTextPatternBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []output
	}{
		// AutoGPT's own test cases.
		{"case-insensitive", map[string]any{"text": "ABC", "match": "ab", "data": "X", "case_sensitive": false}, outs("positive", "X")},
		{"case-sensitive", map[string]any{"text": "ABC", "match": "ab", "data": "Y", "case_sensitive": true}, outs("negative", "Y")},
		{"dot matches newline by default", map[string]any{"text": "Hello\nWorld!", "match": "Hello.World", "data": "Z"}, outs("positive", "Z")},
		{"dot_all off", map[string]any{"text": "Hello\nWorld!", "match": "Hello.World", "data": "Z", "dot_all": false}, outs("negative", "Z")},
		{"no match", map[string]any{"text": "Hello World!", "match": "World![a-z]+", "data": "Z"}, outs("negative", "Z")},
		{"data defaults to text", map[string]any{"text": "abc", "match": "b"}, outs("positive", "abc")},
		{"non-string text matched as JSON", map[string]any{"text": map[string]any{"k": 1}, "match": `"k": 1`}, outs("positive", map[string]any{"k": 1.0})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, mustRun(t, "MatchTextPatternBlock", tt.input))
		})
	}
}

func TestMatchTextPatternInvalidRegexFails(t *testing.T) {
	t.Parallel()
	// cases/08 and 09 depend on this: the node fails, nothing is yielded.
	got, err := run(t, "MatchTextPatternBlock", map[string]any{"text": "abc", "match": "("})
	require.ErrorContains(t, err, "invalid pattern")
	require.Empty(t, got)
}

func TestExtractTextInformationBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  []output
	}{
		// AutoGPT's own test cases.
		{"group 1", map[string]any{"text": "Hello, World!", "pattern": "Hello, (.+)", "group": 1},
			outs("positive", "World!", "matched_results", []any{"World!"}, "matched_count", 1.0)},
		{"group 0", map[string]any{"text": "Hello, World!", "pattern": "Hello, (.+)", "group": 0},
			outs("positive", "Hello, World!", "matched_results", []any{"Hello, World!"}, "matched_count", 1.0)},
		{"missing group", map[string]any{"text": "Hello, World!", "pattern": "Hello, (.+)", "group": 2},
			outs("negative", "Hello, World!", "matched_results", []any{}, "matched_count", 0.0)},
		{"case-insensitive", map[string]any{"text": "Hello, World!", "pattern": "hello,", "case_sensitive": false},
			outs("positive", "Hello,", "matched_results", []any{"Hello,"}, "matched_count", 1.0)},
		{"first only", map[string]any{"text": "Hello, World!! Hello, Earth!!", "pattern": `Hello, (\S+)`, "group": 1},
			outs("positive", "World!!", "matched_results", []any{"World!!"}, "matched_count", 1.0)},
		{"find all yields each", map[string]any{"text": "Hello, World!! Hello, Earth!!", "pattern": `Hello, (\S+)`, "group": 1, "find_all": true},
			outs("positive", "World!!", "positive", "Earth!!", "matched_results", []any{"World!!", "Earth!!"}, "matched_count", 2.0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, mustRun(t, "ExtractTextInformationBlock", tt.input))
		})
	}
	_, err := run(t, "ExtractTextInformationBlock", map[string]any{"text": "x", "pattern": "[a-"})
	require.ErrorContains(t, err, "invalid pattern")
}

// Python's look-around and backreferences, which RE2 lacks, are matched by
// the backtracking engine: AutoGPT's Lead Finder checks each field with
// "^(?!\s*$).+" (not blank).
func TestRegexBlocksTakePythonLookAround(t *testing.T) {
	t.Parallel()
	notBlank := map[string]any{"pattern": `^(?!\s*$).+`, "group": 0, "dot_all": true, "find_all": false, "case_sensitive": true}
	in := func(text string) map[string]any {
		m := map[string]any{"text": text}
		for k, v := range notBlank {
			m[k] = v
		}
		return m
	}
	require.Equal(t, outs("positive", "Bean There", "matched_results", []any{"Bean There"}, "matched_count", 1.0),
		mustRun(t, "ExtractTextInformationBlock", in("Bean There")))
	require.Equal(t, outs("negative", "  \n", "matched_results", []any{}, "matched_count", 0.0),
		mustRun(t, "ExtractTextInformationBlock", in("  \n")))
	require.Equal(t, outs("positive", "b", "matched_results", []any{"b"}, "matched_count", 1.0),
		mustRun(t, "ExtractTextInformationBlock", map[string]any{"text": "aa b b", "pattern": `(\w) \1`, "group": 1}), "a backreference")
	require.Equal(t, outs("positive", "ABBA"),
		mustRun(t, "MatchTextPatternBlock", map[string]any{"text": "ABBA", "match": `a(?=b)`, "case_sensitive": false}))
}

func TestRegexBacktrackingGivesUpAndFailsTheNode(t *testing.T) {
	t.Parallel()
	// The look-ahead sends it to the backtracking engine; (a+)+$ against
	// a's and a b is exponential, so the match reaches its timeout.
	catastrophic := `(?=a)(a+)+$`
	text := strings.Repeat("a", 40) + "b"
	for _, c := range []struct{ block, pin string }{{"MatchTextPatternBlock", "match"}, {"ExtractTextInformationBlock", "pattern"}} {
		started := time.Now()
		outs, err := run(t, c.block, map[string]any{"text": text, c.pin: catastrophic})
		require.ErrorContains(t, err, "pattern gave up after 2s", c.block)
		require.Empty(t, outs, "%s emits nothing when its match gave up", c.block)
		require.Less(t, time.Since(started), 10*time.Second)
	}
}
