package livebench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// FetchCPUProfile writes a CPU profile of the process serving
// net/http/pprof on addr (a launched server's PPROF_ADDR), taken over secs
// seconds, to path.
func FetchCPUProfile(ctx context.Context, addr string, secs int, path string) error {
	return fetchTo(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(secs, 1)), path)
}

// FetchHeapProfile writes the heap profile of the process serving
// net/http/pprof on addr, after a garbage collection, to path.
func FetchHeapProfile(ctx context.Context, addr, path string) error {
	return FetchProfile(ctx, addr, "heap", "gc=1", path)
}

// FetchProfile writes the named profile (heap, goroutine, allocs…) of the
// process serving net/http/pprof on addr to path; query is appended as is
// (e.g. "gc=1" collects garbage first, so a heap profile shows what is live).
func FetchProfile(ctx context.Context, addr, name, query, path string) error {
	u := fmt.Sprintf("http://%s/debug/pprof/%s", addr, name)
	if query != "" {
		u += "?" + query
	}
	return fetchTo(ctx, u, path)
}

func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
