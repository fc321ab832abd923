// Package jinastub is a test double of Jina's search (s.jina.ai) and reader
// (r.jina.ai) APIs: two HTTP servers speaking their wire format (the query
// or the target URL in the path, the API key as a bearer token, the text
// answer, Jina's JSON error bodies), so tests exercise the blocks' real
// requests end to end. Only tests import it.
package jinastub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// Stub is a running pair of Jina servers accepting one API key.
type Stub struct {
	Search, Reader *httptest.Server
	key            string

	mu       sync.Mutex
	requests []Request
	// Pages are what the reader answers for a target URL; any other URL
	// is answered 422, as Jina answers a page it cannot fetch.
	Pages map[string]string
}

// Request is one request a server received.
type Request struct {
	API    string // "search" or "reader"
	Target string // the search query, or the URL to read, decoded
	Auth   string // the Authorization header
}

// New starts both servers, accepting key.
func New(key string) *Stub {
	s := &Stub{key: key, Pages: map[string]string{}}
	s.Search = httptest.NewServer(s.handler("search"))
	s.Reader = httptest.NewServer(s.handler("reader"))
	return s
}

// Close stops both servers.
func (s *Stub) Close() {
	s.Search.Close()
	s.Reader.Close()
}

// Env is the configuration pointing the product at the stub.
func (s *Stub) Env() map[string]string {
	return map[string]string{"JINA_SEARCH_URL": s.Search.URL + "/", "JINA_READER_URL": s.Reader.URL + "/"}
}

// Requests returns what the servers received, in order.
func (s *Stub) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// handler serves one API. It is a bare handler, not a ServeMux, because the
// reader's path holds a whole URL ("/https://host/page") that a mux would
// clean and redirect.
func (s *Stub) handler(api string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target := strings.TrimPrefix(r.URL.EscapedPath(), "/")
		if api == "search" {
			target, _ = url.PathUnescape(target)
		} else if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery // the target's own query
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{API: api, Target: target, Auth: r.Header.Get("Authorization")})
		s.mu.Unlock()
		if r.Method != http.MethodGet {
			jinaError(w, http.StatusMethodNotAllowed, "MethodNotAllowedError", 40501, "Method not allowed")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.key {
			jinaError(w, http.StatusUnauthorized, "AuthenticationRequiredError", 40103,
				"Authentication is required to use this endpoint. Please provide a valid API key via Authorization header.")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if api == "search" {
			if target == "" {
				jinaError(w, http.StatusBadRequest, "ParamValidationError", 40001, "No query specified")
				return
			}
			for i := 1; i <= 2; i++ {
				fmt.Fprintf(w, "[%d] Title: Result %d for %s\n[%d] URL Source: https://example.com/%d\n[%d] Description: About %s\n[%d] Markdown Content:\nContent %d about %s.\n\n",
					i, i, target, i, i, i, target, i, i, target)
			}
			return
		}
		page, ok := s.Pages[target]
		if !ok {
			jinaError(w, http.StatusUnprocessableEntity, "AssertionFailureError", 42206,
				fmt.Sprintf("Failed to goto %s: Error: net::ERR_NAME_NOT_RESOLVED", target))
			return
		}
		fmt.Fprintf(w, "Title: Page\n\nURL Source: %s\n\nMarkdown Content:\n%s\n", target, page)
	}
}

// jinaError writes Jina's error body.
func jinaError(w http.ResponseWriter, status int, name string, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"data": nil, "code": status, "name": name, "status": code,
		"message": msg, "readableMessage": name + ": " + msg})
}
