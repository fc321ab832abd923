package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFillTextTemplateBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		want  string
	}{
		{"AutoGPT example", map[string]any{"values": map[string]any{"name": "Alice", "hello": "Hello", "world": "World!"}, "format": "{{hello}}, {{ world }} {{name}}"}, "Hello, World! Alice"},
		{"dynamic dict pins", map[string]any{"values_#_a": "hello", "values_#_b": "world", "format": "{{a}} {{b}}"}, "hello world"},
		{"numbers print shortest", map[string]any{"values": map[string]any{"n": 11.0, "f": 1.5}, "format": "{{n}}/{{f}}"}, "11/1.5"},
		{"nested path", map[string]any{"values": map[string]any{"u": map[string]any{"tags": []any{"x", "y"}}}, "format": "{{ u.tags.1 }} {{u.tags.-1}}"}, "y y"},
		{"structures as JSON", map[string]any{"values": map[string]any{"l": []any{1, "a"}, "b": true}, "format": "{{l}} {{b}}"}, `[1,"a"] true`},
		{"unknown renders empty", map[string]any{"values": map[string]any{}, "format": "[{{missing}}]"}, "[]"},
		{"no values", map[string]any{"format": "plain text"}, "plain text"},
		{"tags stay text", map[string]any{"format": "{% if x %}y{% endif %}"}, "{% if x %}y{% endif %}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, outs("output", tt.want), mustRun(t, "FillTextTemplateBlock", tt.input))
		})
	}
}
