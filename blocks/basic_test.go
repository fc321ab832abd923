package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAgentInputBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("result", 42.0), mustRun(t, "AgentInputBlock", map[string]any{"name": "x", "value": 42}))
	require.Equal(t, outs("result", map[string]any{"k": "v"}), mustRun(t, "AgentInputBlock", map[string]any{"name": "x", "value": map[string]any{"k": "v"}}))
	require.Empty(t, mustRun(t, "AgentInputBlock", map[string]any{"name": "x"}), "no value, no output")
}

func TestAgentOutputBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  any
	}{
		{"raw", map[string]any{"name": "y", "value": 42}, 42.0},
		{"raw list", map[string]any{"name": "y", "value": []any{1, "a"}}, []any{1.0, "a"}},
		{"null", map[string]any{"name": "y"}, nil},
		{"format value", map[string]any{"name": "y", "value": 5, "format": "got {{value}}!"}, "got 5!"},
		{"format by name", map[string]any{"name": "y", "value": "hi", "format": "{{ y }}!!"}, "hi!!"},
		{"escape_html escapes the values, not the template", map[string]any{"name": "y", "value": map[string]any{"a": `<b>"Tom" & 'Jerry'</b>`},
			"format": "<p>{{ y.a }}</p>", "escape_html": true}, "<p>&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>"},
		{"without escape_html values go in as they are", map[string]any{"name": "y", "value": "<i>x</i>", "format": "<p>{{value}}</p>"}, "<p><i>x</i></p>"},
		{"escape_html without format keeps the value", map[string]any{"name": "y", "value": "<i>", "escape_html": true}, "<i>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("output", tt.want), mustRun(t, "AgentOutputBlock", tt.input))
		})
	}
}

func TestStoreValueBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  any
	}{
		{"input only", map[string]any{"input": "Hello"}, "Hello"},
		{"data wins", map[string]any{"input": 1, "data": 99}, 99.0},
		{"falsy data still wins", map[string]any{"input": 1, "data": 0}, 0.0},
		{"null data falls back", map[string]any{"input": 1, "data": nil}, 1.0},
		{"null input", map[string]any{"input": nil}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("output", tt.want), mustRun(t, "StoreValueBlock", tt.input))
		})
	}
	require.ErrorContains(t, Builtin().Validate(blockID(t, "StoreValueBlock"), map[string]any{"data": 1}), `"input"`)
}

func TestNoteBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("output", "remember"), mustRun(t, "NoteBlock", map[string]any{"text": "remember"}))
}
