package blocks_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/jinastub"
)

// runBlock runs a built-in block as the engine would (input validated).
func runBlock(t *testing.T, rc *blocks.RunContext, name string, input map[string]any) (map[string]any, error) {
	t.Helper()
	r := blocks.Builtin()
	b, ok := r.ByName(name)
	require.True(t, ok, name)
	require.NoError(t, r.Validate(b.Info().ID, input))
	out := map[string]any{}
	err := b.Run(context.Background(), rc, input, func(pin string, v any) error { out[pin] = v; return nil })
	return out, err
}

type usage struct {
	mu   sync.Mutex
	used map[blocks.CostType]int64
}

func (u *usage) use(kind blocks.CostType, n int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.used[kind] += n
	return nil
}

func TestJinaBlocksAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := jinastub.New("jina_key")
	t.Cleanup(stub.Close)
	stub.Pages["https://example.com/page?x=1"] = "This domain is for use in illustrative examples."
	endpoints := map[string]string{"search": stub.Search.URL + "/", "reader": stub.Reader.URL}
	u := &usage{used: map[blocks.CostType]int64{}}
	rc := &blocks.RunContext{Use: u.use, InputCredential: &blocks.Credential{Provider: "jina", Type: blocks.AuthAPIKey,
		Secret: "jina_key", Endpoints: endpoints}}

	out, err := runBlock(t, rc, "SearchTheWebBlock", map[string]any{"query": "Go & AI/agents?"})
	require.NoError(t, err)
	require.Contains(t, out["results"], "[1] Title: Result 1 for Go & AI/agents?")
	require.Contains(t, out["results"], "[2] Markdown Content:")

	out, err = runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": " https://example.com/page?x=1"})
	require.NoError(t, err)
	require.Equal(t, "Title: Page\n\nURL Source: https://example.com/page?x=1\n\nMarkdown Content:\nThis domain is for use in illustrative examples.\n", out["content"])

	require.Equal(t, []jinastub.Request{
		{API: "search", Target: "Go & AI/agents?", Auth: "Bearer jina_key"},
		{API: "reader", Target: "https://example.com/page?x=1", Auth: "Bearer jina_key"},
	}, stub.Requests(), "the query is one path segment; the page's URL follows the reader's, as Jina expects")
	u.mu.Lock()
	require.Equal(t, int64(2), u.used[blocks.CostRequest])
	require.Equal(t, int64(len(out["content"].(string))+len(stubSearchAnswer(t, stub))), u.used[blocks.CostByte], "every byte read is reported")
	u.mu.Unlock()

	// Jina's refusals are the node's error, with Jina's message; never the key.
	_, err = runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": "https://unknown.example/"})
	require.ErrorContains(t, err, "Jina reader answered 422 Unprocessable Entity: AssertionFailureError: Failed to goto https://unknown.example/")
	bad := &blocks.RunContext{InputCredential: &blocks.Credential{Provider: "jina", Type: blocks.AuthAPIKey, Secret: "wrong_key", Endpoints: endpoints}}
	_, err = runBlock(t, bad, "SearchTheWebBlock", map[string]any{"query": "x"})
	require.ErrorContains(t, err, "Jina search answered 401 Unauthorized: AuthenticationRequiredError")
	require.NotContains(t, err.Error(), "wrong_key")
	_, err = runBlock(t, rc, "SearchTheWebBlock", map[string]any{"query": "  "})
	require.ErrorContains(t, err, "query is empty")
	_, err = runBlock(t, &blocks.RunContext{}, "SearchTheWebBlock", map[string]any{"query": "x"})
	require.ErrorContains(t, err, "no jina credential")

	// An answer past max_response_kib fails the node.
	stub.Pages["https://example.com/big"] = strings.Repeat("x", 2048)
	_, err = runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": "https://example.com/big", "max_response_kib": 1})
	require.ErrorContains(t, err, "Jina reader answered more than 1 KiB (max_response_kib)")
}

func stubSearchAnswer(t *testing.T, stub *jinastub.Stub) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, stub.Search.URL+"/Go%20%26%20AI%2Fagents%3F", nil)
	req.Header.Set("Authorization", "Bearer jina_key")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

// The page's URL is the user's: http(s) only, and no literal private
// address or localhost unless the deployment allows private networks;
// refused before any request. With raw_content the page is fetched here,
// without the key.
func TestExtractWebsiteContentURLs(t *testing.T) {
	t.Parallel()
	stub := jinastub.New("jina_key")
	t.Cleanup(stub.Close)
	cred := &blocks.Credential{Provider: "jina", Type: blocks.AuthAPIKey, Secret: "jina_key",
		Endpoints: map[string]string{"reader": stub.Reader.URL + "/"}}
	rc := &blocks.RunContext{InputCredential: cred}
	for _, u := range []string{"ftp://example.com/f", "example.com/page", "/etc/passwd", "https://"} {
		_, err := runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": u})
		require.ErrorContains(t, err, "is not an absolute http(s) URL", u)
	}
	for _, u := range []string{"http://127.0.0.1:8080/admin", "http://localhost/", "http://api.localhost./", "http://[::1]/",
		"http://169.254.169.254/latest/meta-data", "http://10.0.0.7/", "http://[::ffff:192.168.1.1]/"} {
		_, err := runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": u})
		require.True(t, blocks.IsForbiddenAddress(err), "%s: %v", u, err)
		_, err = runBlock(t, rc, "ExtractWebsiteContentBlock", map[string]any{"url": u, "raw_content": true})
		require.True(t, blocks.IsForbiddenAddress(err), "%s raw: %v", u, err)
	}
	require.Empty(t, stub.Requests(), "refused before any request")

	var auth []string
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "<html><body>raw page</body></html>")
	}))
	t.Cleanup(site.Close)
	private := &blocks.RunContext{InputCredential: cred, AllowPrivateNetwork: true}
	out, err := runBlock(t, private, "ExtractWebsiteContentBlock", map[string]any{"url": site.URL + "/p", "raw_content": true})
	require.NoError(t, err)
	require.Equal(t, "<html><body>raw page</body></html>", out["content"])
	require.Equal(t, []string{""}, auth, "the key goes to Jina only")
	_, err = runBlock(t, private, "ExtractWebsiteContentBlock", map[string]any{"url": site.URL + "/missing", "raw_content": true})
	require.ErrorContains(t, err, "the page answered 404 Not Found")
	require.Empty(t, stub.Requests())
}

// Both blocks keep AutoGPT's ids and pins, take a jina API key and are
// priced per request and per KiB read (max_response_kib reserved).
func TestJinaBlocksInfo(t *testing.T) {
	t.Parallel()
	r := blocks.Builtin()
	for name, id := range map[string]string{"SearchTheWebBlock": "87840993-2053-44b7-8da4-187ad4ee518c",
		"ExtractWebsiteContentBlock": "436c3984-57fd-4b85-8e9a-459b356883bd"} {
		b, ok := r.ByName(name)
		require.True(t, ok)
		info := b.Info()
		require.Equal(t, id, info.ID)
		require.Equal(t, []string{"jina"}, info.Credentials.Providers)
		require.Equal(t, []string{blocks.AuthAPIKey}, info.Credentials.AuthTypes)
		require.False(t, info.Credentials.Optional)
		require.Equal(t, blocks.Usage{blocks.CostRequest: 1, blocks.CostByte: 256 * 1024}, info.Limits(map[string]any{}))
		require.Equal(t, blocks.Usage{blocks.CostRequest: 1, blocks.CostByte: 8 * 1024}, info.Limits(map[string]any{"max_response_kib": 8}))
	}
	require.Equal(t, []string{"credentials", "query", "max_response_kib"}, r.InputPins("87840993-2053-44b7-8da4-187ad4ee518c"))
	require.Equal(t, []string{"results", "error"}, r.OutputPins("87840993-2053-44b7-8da4-187ad4ee518c"))
	require.Equal(t, []string{"credentials", "url", "raw_content", "max_response_kib"}, r.InputPins("436c3984-57fd-4b85-8e9a-459b356883bd"))
	require.Equal(t, []string{"content", "error"}, r.OutputPins("436c3984-57fd-4b85-8e9a-459b356883bd"))
}
