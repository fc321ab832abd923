package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The GitHub blocks keep AutoGPT's names, ids and pins. They take a github
// credential (OAuth2 with the repo scope, or a personal access token as
// API_KEY) and call the API at the credential's BaseURL (GITHUB_API_URL:
// api.github.com, or a GitHub Enterprise server). Only the owner and
// repository are read from the URLs users give, never the host, so the
// token is sent to the configured API and nowhere else (AutoGPT's
// CVE-2024-10457 sent it to any host that contained "github.com").

var githubCredentials = &CredentialsSpec{Providers: []string{"github"}, AuthTypes: []string{AuthOAuth2, AuthAPIKey}, Scopes: []string{"repo"}}

// githubClient is not network-guarded: its host is the operator's
// GITHUB_API_URL (possibly a private Enterprise server), never a user's.
var githubClient = &http.Client{Timeout: 30 * time.Second}

var githubName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

// githubRepo reads owner and repository from "https://HOST/owner/repo…" or
// "owner/repo"; rest is what follows them ("issues/1", "pull/2").
func githubRepo(raw string) (owner, repo string, rest []string, err error) {
	p := strings.TrimSpace(raw)
	if u, perr := url.Parse(p); perr == nil && u.Host != "" {
		p = u.Path
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) < 2 || !githubName.MatchString(parts[0]) || !githubName.MatchString(parts[1]) || parts[1] == "." || parts[1] == ".." {
		return "", "", nil, fmt.Errorf("%q is not a GitHub repository URL like https://github.com/owner/repo", raw)
	}
	return parts[0], strings.TrimSuffix(parts[1], ".git"), parts[2:], nil
}

// githubIssue reads owner, repository and number from an issue or pull
// request URL.
func githubIssue(raw string) (owner, repo, number string, err error) {
	owner, repo, rest, err := githubRepo(raw)
	if err == nil && (len(rest) < 2 || (rest[0] != "issues" && rest[0] != "pull") || !regexp.MustCompile(`^[0-9]{1,10}$`).MatchString(rest[1])) {
		err = fmt.Errorf("%q is not a GitHub issue or pull request URL like https://github.com/owner/repo/issues/1", raw)
	}
	if err != nil {
		return "", "", "", err
	}
	return owner, repo, rest[1], nil
}

// githubCall sends one API request and decodes the JSON answer into out; a
// non-2xx answer is an error with GitHub's message.
func githubCall(ctx context.Context, rc *RunContext, method, path string, body, out any) error {
	c := rc.InputCredential
	if c == nil {
		return fmt.Errorf("no github credential")
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = "https://api.github.com"
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	c.Apply(req)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := githubClient.Do(req)
	if err != nil {
		return requestError(ctx, req, 30, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return requestError(ctx, req, 30, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return fmt.Errorf("GitHub answered %d to %s %s: %s", resp.StatusCode, method, path, e.Message)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("GitHub's answer to %s %s is not the expected JSON: %w", method, path, err)
	}
	return nil
}

type githubItem struct {
	Title string `json:"title" jsonschema_description:"The title."`
	URL   string `json:"url" jsonschema_description:"The web URL."`
}

type githubRepoIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A github credential (OAuth2 with the repo scope, or a personal access token); your newest one when omitted."`
	RepoURL     string           `json:"repo_url" jsonschema_description:"URL of the GitHub repository, e.g. https://github.com/owner/repo."`
}

type githubListIssuesOut struct {
	Issue githubItem `json:"issue" jsonschema_description:"Issues with their title and URL, one per value."`
}

// GithubListIssuesBlock lists a repository's open issues (first page).
func GithubListIssuesBlock() Block {
	return Define[githubRepoIn, githubListIssuesOut](Info{
		ID:          "c215bfd7-0e57-4573-8f8c-f7d4963dcd74",
		Name:        "GithubListIssuesBlock",
		Description: "This block lists all issues for a specified GitHub repository.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Credentials: githubCredentials,
	}, func(ctx context.Context, rc *RunContext, in githubRepoIn, emit Emit) error {
		return listGithub(ctx, rc, in.RepoURL, "issues", "issue", emit)
	})
}

type githubListPullsOut struct {
	PullRequest githubItem `json:"pull_request" jsonschema_description:"PRs with their title and URL, one per value."`
}

// GithubListPullRequestsBlock lists a repository's open pull requests (first page).
func GithubListPullRequestsBlock() Block {
	return Define[githubRepoIn, githubListPullsOut](Info{
		ID:          "ffef3c4c-6cd0-48dd-817d-459f975219f4",
		Name:        "GithubListPullRequestsBlock",
		Description: "This block lists all pull requests for a specified GitHub repository.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Credentials: githubCredentials,
	}, func(ctx context.Context, rc *RunContext, in githubRepoIn, emit Emit) error {
		return listGithub(ctx, rc, in.RepoURL, "pulls", "pull_request", emit)
	})
}

func listGithub(ctx context.Context, rc *RunContext, repoURL, what, pin string, emit Emit) error {
	owner, repo, _, err := githubRepo(repoURL)
	if err != nil {
		return err
	}
	var items []struct {
		Title       string          `json:"title"`
		HTMLURL     string          `json:"html_url"`
		PullRequest json.RawMessage `json:"pull_request"`
	}
	if err := githubCall(ctx, rc, http.MethodGet, "/repos/"+owner+"/"+repo+"/"+what+"?per_page=100", nil, &items); err != nil {
		return err
	}
	for _, it := range items {
		if what == "issues" && it.PullRequest != nil {
			continue // GitHub lists pull requests among issues
		}
		if err := emit(pin, githubItem{Title: it.Title, URL: it.HTMLURL}); err != nil {
			return err
		}
	}
	return nil
}

type githubMakeIssueIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A github credential (OAuth2 with the repo scope, or a personal access token); your newest one when omitted."`
	RepoURL     string           `json:"repo_url" jsonschema_description:"URL of the GitHub repository, e.g. https://github.com/owner/repo."`
	Title       string           `json:"title" jsonschema:"minLength=1" jsonschema_description:"Title of the issue."`
	Body        string           `json:"body" jsonschema:"default=" jsonschema_description:"Body of the issue."`
}

type githubMakeIssueOut struct {
	Number int    `json:"number" jsonschema_description:"Number of the created issue."`
	URL    string `json:"url" jsonschema_description:"URL of the created issue."`
}

// GithubMakeIssueBlock creates an issue (AutoGPT's name for "create issue").
func GithubMakeIssueBlock() Block {
	return Define[githubMakeIssueIn, githubMakeIssueOut](Info{
		ID:          "691dad47-f494-44c3-a1e8-05b7990f2dab",
		Name:        "GithubMakeIssueBlock",
		Description: "This block creates a new issue on a specified GitHub repository.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Credentials: githubCredentials,
	}, func(ctx context.Context, rc *RunContext, in githubMakeIssueIn, emit Emit) error {
		owner, repo, _, err := githubRepo(in.RepoURL)
		if err != nil {
			return err
		}
		var out struct {
			Number  int    `json:"number"`
			HTMLURL string `json:"html_url"`
		}
		if err := githubCall(ctx, rc, http.MethodPost, "/repos/"+owner+"/"+repo+"/issues",
			map[string]string{"title": in.Title, "body": in.Body}, &out); err != nil {
			return err
		}
		if err := emit("number", out.Number); err != nil {
			return err
		}
		return emit("url", out.HTMLURL)
	})
}

type githubCommentIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A github credential (OAuth2 with the repo scope, or a personal access token); your newest one when omitted."`
	IssueURL    string           `json:"issue_url" jsonschema_description:"URL of the GitHub issue or pull request, e.g. https://github.com/owner/repo/issues/1."`
	Comment     string           `json:"comment" jsonschema:"minLength=1" jsonschema_description:"Comment to post on the issue or pull request."`
}

type githubCommentOut struct {
	ID  int64  `json:"id" jsonschema_description:"ID of the created comment."`
	URL string `json:"url" jsonschema_description:"URL to the comment on GitHub."`
}

// GithubCommentBlock comments on an issue or a pull request.
func GithubCommentBlock() Block {
	return Define[githubCommentIn, githubCommentOut](Info{
		ID:          "a8db4d8d-db1c-4a25-a1b0-416a8c33602b",
		Name:        "GithubCommentBlock",
		Description: "This block posts a comment on a specified GitHub issue or pull request.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Credentials: githubCredentials,
	}, func(ctx context.Context, rc *RunContext, in githubCommentIn, emit Emit) error {
		owner, repo, number, err := githubIssue(in.IssueURL)
		if err != nil {
			return err
		}
		var out struct {
			ID      int64  `json:"id"`
			HTMLURL string `json:"html_url"`
		}
		// Pull requests take comments through the issues API.
		if err := githubCall(ctx, rc, http.MethodPost, "/repos/"+owner+"/"+repo+"/issues/"+number+"/comments",
			map[string]string{"body": in.Comment}, &out); err != nil {
			return err
		}
		if err := emit("id", out.ID); err != nil {
			return err
		}
		return emit("url", out.HTMLURL)
	})
}
