package llm

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/stretchr/testify/require"
)

// The small-buffer decoder yields exactly the SDK decoder's events.
func TestSSEDecoderMatchesSDK(t *testing.T) {
	long := strings.Repeat("x", 3*sseBufSize+17) // gathered across reads
	for name, in := range map[string]string{
		"chunks":          "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n",
		"crlf":            "data: one\r\n\r\ndata: two\r\n\r\n",
		"long line":       "data: " + long + "\n\ndata: short\n\n",
		"multi-line data": "data: a\ndata: b\n\n",
		"events":          "event: message_start\ndata: {}\n\n: a comment\n\nevent: ping\ndata: x\n\n",
		"no final blank":  "data: done\n\ndata: cut",
		"no final end":    "data: a\n\n",
		"blank lines":     "\n\n\ndata: a\n\n\n",
		"no space":        "data:a\n\nid: 3\nretry: 10\ndata:b\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := func() *http.Response {
				return &http.Response{Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(strings.NewReader(in))}
			}
			require.Equal(t, events(t, ssestream.NewDecoder(res())), events(t, newSSEDecoder(res())))
		})
	}
}

func events(t *testing.T, d ssestream.Decoder) []ssestream.Event {
	t.Helper()
	var out []ssestream.Event
	for d.Next() {
		ev := d.Event()
		out = append(out, ssestream.Event{Type: ev.Type, Data: append([]byte(nil), ev.Data...)}) // ours reuses Data
	}
	require.NoError(t, d.Err())
	return out
}

// A streamed chunk as OpenAI sends it (one token).
var chunkJSON = []byte(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[{"index":0,"delta":{"content":" answered"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"abc"}`)

// Decoding a chunk into the SDK's type (what ssestream.Stream did per
// token before) against openAIChunk, the fields the provider reads.
func BenchmarkChunkDecode(b *testing.B) {
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c openai.ChatCompletionChunk
			require.NoError(b, json.Unmarshal(chunkJSON, &c))
		}
	})
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c openAIChunk
			require.NoError(b, json.Unmarshal(chunkJSON, &c))
		}
	})
}
