package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTextSplitBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("texts", []any{"Hello", "World!"}), mustRun(t, "TextSplitBlock", map[string]any{"text": "Hello, World!", "delimiter": ","}))
	require.Equal(t, outs("texts", []any{"Hello", " World!"}), mustRun(t, "TextSplitBlock", map[string]any{"text": "Hello, World!", "delimiter": ",", "strip": false}))
	require.Equal(t, outs("texts", []any{}), mustRun(t, "TextSplitBlock", map[string]any{"text": "", "delimiter": ","}))
	_, err := run(t, "TextSplitBlock", map[string]any{"text": "abc", "delimiter": ""})
	require.ErrorContains(t, err, "delimiter")
}

func TestCombineTextsBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("output", "Hello world I like cake"), mustRun(t, "CombineTextsBlock", map[string]any{"input": []any{"Hello world I like ", "cake"}}))
	require.Equal(t, outs("output", "This is a test! Hi!"), mustRun(t, "CombineTextsBlock", map[string]any{"input": []any{"This is a test", "Hi!"}, "delimiter": "! "}))
	require.Equal(t, outs("output", "a-b"), mustRun(t, "CombineTextsBlock", map[string]any{"input_$_1": "b", "input_$_0": "a", "delimiter": "-"}))
}

func TestTextReplaceBlock(t *testing.T) {
	t.Parallel()
	require.Equal(t, outs("output", "Hi, World! Hi!"), mustRun(t, "TextReplaceBlock", map[string]any{"text": "Hello, World! Hello!", "old": "Hello", "new": "Hi"}))
	_, err := run(t, "TextReplaceBlock", map[string]any{"text": "abc", "old": "", "new": "x"})
	require.ErrorContains(t, err, "old")
}
