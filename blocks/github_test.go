package blocks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// githubStub is a GitHub API serving one repository, remembering each
// request's method, path, Authorization header and body.
type githubStub struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string
	auth []string
	body []map[string]any
}

func newGithubStub(t *testing.T) *githubStub {
	s := &githubStub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Method+" "+r.URL.Path)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.body = append(s.body, body)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v3/repos/octo/hello/issues":
			_, _ = io.WriteString(w, `[{"title":"Bug","html_url":"https://ghe.example/octo/hello/issues/1"},
				{"title":"A PR","html_url":"https://ghe.example/octo/hello/pull/2","pull_request":{}}]`)
		case "GET /api/v3/repos/octo/hello/pulls":
			_, _ = io.WriteString(w, `[{"title":"A PR","html_url":"https://ghe.example/octo/hello/pull/2"}]`)
		case "POST /api/v3/repos/octo/hello/issues":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"number":3,"html_url":"https://ghe.example/octo/hello/issues/3"}`)
		case "POST /api/v3/repos/octo/hello/issues/2/comments":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":1337,"html_url":"https://ghe.example/octo/hello/pull/2#issuecomment-1337"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Not Found"}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestGithubBlocksAgainstAStub(t *testing.T) {
	t.Parallel()
	gh := newGithubStub(t)
	cred := &Credential{Provider: "github", Type: AuthOAuth2, Secret: "gho_token", BaseURL: gh.URL + "/api/v3/"}
	rc := &RunContext{InputCredential: cred}
	ctx := context.Background()
	meta := map[string]any{"id": "00000000-0000-0000-0000-000000000001"}

	got, err := runCtx(t, ctx, rc, "GithubListIssuesBlock", map[string]any{"credentials": meta, "repo_url": "https://github.com/octo/hello"})
	require.NoError(t, err)
	require.Equal(t, outs("issue", map[string]any{"title": "Bug", "url": "https://ghe.example/octo/hello/issues/1"}), got,
		"pull requests listed among issues are left out")

	got, err = runCtx(t, ctx, rc, "GithubListPullRequestsBlock", map[string]any{"repo_url": "octo/hello"})
	require.NoError(t, err)
	require.Equal(t, outs("pull_request", map[string]any{"title": "A PR", "url": "https://ghe.example/octo/hello/pull/2"}), got)

	got, err = runCtx(t, ctx, rc, "GithubMakeIssueBlock", map[string]any{"repo_url": "https://github.com/octo/hello.git", "title": "T", "body": "B"})
	require.NoError(t, err)
	require.Equal(t, outs("number", 3.0, "url", "https://ghe.example/octo/hello/issues/3"), got)

	got, err = runCtx(t, ctx, rc, "GithubCommentBlock", map[string]any{"issue_url": "https://github.com/octo/hello/pull/2", "comment": "hi"})
	require.NoError(t, err)
	require.Equal(t, outs("id", 1337.0, "url", "https://ghe.example/octo/hello/pull/2#issuecomment-1337"), got)

	require.Equal(t, []string{"GET /api/v3/repos/octo/hello/issues", "GET /api/v3/repos/octo/hello/pulls",
		"POST /api/v3/repos/octo/hello/issues", "POST /api/v3/repos/octo/hello/issues/2/comments"}, gh.reqs)
	for _, a := range gh.auth {
		require.Equal(t, "Bearer gho_token", a)
	}
	require.Equal(t, map[string]any{"title": "T", "body": "B"}, gh.body[2])
	require.Equal(t, map[string]any{"body": "hi"}, gh.body[3])

	// GitHub's refusal is the node's error, with GitHub's message.
	_, err = runCtx(t, ctx, rc, "GithubListIssuesBlock", map[string]any{"repo_url": "https://github.com/octo/missing"})
	require.ErrorContains(t, err, "GitHub answered 404")
	require.ErrorContains(t, err, "Not Found")
	require.NotContains(t, err.Error(), "gho_token")

	// The host of a user's URL is never where the token goes: only owner
	// and repository are read from it (AutoGPT's CVE-2024-10457).
	n := len(gh.reqs)
	_, err = runCtx(t, ctx, rc, "GithubListPullRequestsBlock", map[string]any{"repo_url": "https://github.com.evil.example/octo/hello"})
	require.NoError(t, err)
	require.Equal(t, "GET /api/v3/repos/octo/hello/pulls", gh.reqs[n], "sent to the configured API")
	for _, bad := range []string{"https://github.com/octo", "../../x", "https://github.com/octo/hello/issues/x"} {
		_, err = runCtx(t, ctx, rc, "GithubCommentBlock", map[string]any{"issue_url": bad, "comment": "x"})
		require.ErrorContains(t, err, "is not a GitHub", bad)
	}
	require.Len(t, gh.reqs, n+1, "bad URLs send nothing")
}

func TestSendWebRequestAppliesCredentials(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, tc := range []struct {
		cred   Credential
		header string
		want   string
	}{
		{Credential{Type: AuthOAuth2, Secret: "tok"}, "Authorization", "Bearer tok"},
		{Credential{Type: AuthAPIKey, Secret: "key"}, "Authorization", "Bearer key"},
		{Credential{Type: AuthBasic, Username: "u", Secret: "p"}, "Authorization", "Basic dTpw"},
		{Credential{Type: AuthCustom, Secret: "s3", Header: "X-Api-Key"}, "X-Api-Key", "s3"},
	} {
		rc := &RunContext{AllowPrivateNetwork: true, InputCredential: &tc.cred}
		_, err := runCtx(t, ctx, rc, "SendWebRequestBlock", map[string]any{"url": srv.URL, "method": "GET",
			"credentials": map[string]any{"id": "00000000-0000-0000-0000-000000000001"}})
		require.NoError(t, err)
		require.Equal(t, tc.want, got.Get(tc.header))
	}
}
