package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// SearchTheWebBlock and ExtractWebsiteContentBlock keep AutoGPT's names, ids
// and pins. They call Jina's search API (s.jina.ai: the query in the path)
// and reader API (r.jina.ai: the page's URL in the path) with a jina API
// key as a bearer token. Where those APIs are is the operator's choice
// (JINA_SEARCH_URL, JINA_READER_URL; the credential's Endpoints), so they
// are dialled unguarded; the key is sent nowhere else.
//
// The URL a user gives ExtractWebsiteContentBlock is the reader's to fetch,
// not ours: it must be an http(s) URL, and unless the deployment allows
// private networks a literal private or loopback address (or localhost) is
// refused, so an operator's self-hosted reader is not a way into the
// deployment's network. With raw_content the page is fetched here, through
// the SSRF guard like SendWebRequestBlock's requests, and without the key.

var jinaCredentials = &CredentialsSpec{Providers: []string{"jina"}, AuthTypes: []string{AuthAPIKey}}

// Jina's public endpoints, used when the credential names none.
var jinaDefaults = map[string]string{"search": "https://s.jina.ai/", "reader": "https://r.jina.ai/"}

// jinaTimeout bounds one call: Jina reads the pages it returns while the
// request waits.
const jinaTimeout = 90 * time.Second

// jinaResponseKiB is max_response_kib's default for the Jina blocks: five
// pages of text fit, where SendWebRequestBlock's 64 KiB would not.
const jinaResponseKiB = 256

// jinaCosts price a call like SendWebRequestBlock's: the request, and the
// answer per started KiB (max_response_kib reserved, the rest given back).
var jinaCosts = []Cost{
	{Type: CostRequest, Amount: 1, Currency: DefaultCurrency, Description: "per request"},
	{Type: CostByte, Amount: 1, Currency: DefaultCurrency, Description: "per started KiB of the answer; max_response_kib is reserved, the unused part given back"},
}

func jinaLimits(input map[string]any) Usage {
	return Usage{CostRequest: 1, CostByte: responseKiB(input, jinaResponseKiB) * 1024}
}

type searchTheWebIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A jina API key credential; your newest one when omitted."`
	Query       string           `json:"query" jsonschema_description:"The search query to search the web for."`
	MaxKiB      int64            `json:"max_response_kib" jsonschema:"default=256,minimum=1,maximum=10240" jsonschema_description:"The largest answer accepted, in KiB: a larger one fails the node. Its BYTE price is reserved before the request and the unused part given back."`
}

type searchTheWebOut struct {
	Results string `json:"results" jsonschema_description:"The search results including content from the top 5 URLs, as Jina's text answer."`
}

// SearchTheWebBlock searches the web with Jina's search API.
func SearchTheWebBlock() Block {
	return Define[searchTheWebIn, searchTheWebOut](Info{
		ID:   "87840993-2053-44b7-8da4-187ad4ee518c",
		Name: "SearchTheWebBlock",
		Description: "This block searches the internet for the given search query, with Jina's search API (a jina API key; " +
			"the operator's JINA_SEARCH_URL, https://s.jina.ai/ by default), and outputs the top results with their content as text.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       jinaCosts,
		Limits:      jinaLimits,
		PricedBy:    []string{"max_response_kib"},
		Credentials: jinaCredentials,
	}, func(ctx context.Context, rc *RunContext, in searchTheWebIn, emit Emit) error {
		if strings.TrimSpace(in.Query) == "" {
			return errors.New("query is empty")
		}
		// Like AutoGPT's quote(): the query is one path segment.
		text, err := jinaCall(ctx, rc, "search", url.PathEscape(in.Query), in.MaxKiB)
		if err != nil {
			return err
		}
		return emit("results", text)
	})
}

type extractWebsiteContentIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A jina API key credential; your newest one when omitted."`
	URL         string           `json:"url" jsonschema:"format=uri" jsonschema_description:"The http(s) URL to scrape the content from."`
	RawContent  bool             `json:"raw_content" jsonschema:"default=false" jsonschema_description:"Whether to fetch the page as it is (here, through the private-network guard, without the key) instead of through Jina's reader, which turns it into text."`
	MaxKiB      int64            `json:"max_response_kib" jsonschema:"default=256,minimum=1,maximum=10240" jsonschema_description:"The largest answer accepted, in KiB: a larger one fails the node. Its BYTE price is reserved before the request and the unused part given back."`
}

type extractWebsiteContentOut struct {
	Content string `json:"content" jsonschema_description:"The scraped content from the given URL."`
}

// ExtractWebsiteContentBlock reads a web page with Jina's reader API, or
// fetches it raw.
func ExtractWebsiteContentBlock() Block {
	return Define[extractWebsiteContentIn, extractWebsiteContentOut](Info{
		ID:   "436c3984-57fd-4b85-8e9a-459b356883bd",
		Name: "ExtractWebsiteContentBlock",
		Description: "This block scrapes the content from the given web URL, with Jina's reader API (a jina API key; the operator's " +
			"JINA_READER_URL, https://r.jina.ai/ by default) or, with raw_content, as it is. Private and loopback addresses are refused " +
			"unless the deployment allows them.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       jinaCosts,
		Limits:      jinaLimits,
		PricedBy:    []string{"max_response_kib"},
		Credentials: jinaCredentials,
	}, func(ctx context.Context, rc *RunContext, in extractWebsiteContentIn, emit Emit) error {
		target, err := pageURL(rc, in.URL)
		if err != nil {
			return err
		}
		var text string
		if in.RawContent {
			text, err = fetchPage(ctx, rc, target, in.MaxKiB)
		} else {
			text, err = jinaCall(ctx, rc, "reader", target, in.MaxKiB)
		}
		if err != nil {
			return err
		}
		return emit("content", text)
	})
}

// pageURL checks a page's URL: absolute http(s), and no literal private
// address or localhost unless the deployment allows private networks (the
// reader fetches it; see above).
func pageURL(rc *RunContext, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("url %q is not an absolute http(s) URL", raw)
	}
	if rc.AllowPrivateNetwork {
		return raw, nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a, err := netip.ParseAddr(host); (err == nil && !publicAddress(a)) || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "", fmt.Errorf("url %q: %w", u.Redacted(), ErrForbiddenAddress)
	}
	return raw, nil
}

// jinaCall sends one GET to a Jina API (the credential's endpoint, else
// Jina's) with path appended, and returns its text answer.
func jinaCall(ctx context.Context, rc *RunContext, api, path string, maxKiB int64) (string, error) {
	c := rc.InputCredential
	if c == nil {
		return "", errors.New("no jina credential")
	}
	base := c.Endpoints[api]
	if base == "" {
		base = jinaDefaults[api]
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return getText(ctx, rc, unguardedClient, "Jina "+api, base+path, c, maxKiB)
}

// fetchPage gets a page as it is, through the guard, without credentials.
func fetchPage(ctx context.Context, rc *RunContext, target string, maxKiB int64) (string, error) {
	return getText(ctx, rc, httpClient(rc), "the page", target, nil, maxKiB)
}

// getText sends one GET (REQUEST) and reads the answer (BYTE, at most
// maxKiB). A 4xx or 5xx is an error carrying the server's message (Jina's
// readableMessage); neither it nor any other error names the key.
func getText(ctx context.Context, rc *RunContext, client *http.Client, who, target string, cred *Credential, maxKiB int64) (string, error) {
	if err := rc.UseUnits(CostRequest, 1); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, jinaTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("building the request to %s: %w", who, err)
	}
	if cred != nil {
		cred.Apply(req)
		req.Header.Set("Content-Type", "application/json") // as AutoGPT sends it
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", requestError(ctx, req, jinaTimeout.Seconds(), err)
	}
	defer resp.Body.Close()
	limit := min(max(maxKiB, 1)*1024, maxResponseBytes)
	raw, err := readBody(rc, resp.Body, limit)
	if err != nil {
		var over *ErrOverLimit
		if errors.As(err, &over) || errors.Is(err, errBodyTooLarge) {
			return "", fmt.Errorf("%s answered more than %d KiB (max_response_kib)", who, limit/1024)
		}
		return "", requestError(ctx, req, jinaTimeout.Seconds(), err)
	}
	if resp.StatusCode >= 400 {
		return "", fmt.Errorf("%s answered %s: %s", who, resp.Status, errorMessage(raw))
	}
	return string(raw), nil
}

// errorMessage is Jina's readable message from an error body, else the
// body's start.
func errorMessage(raw []byte) string {
	var e struct {
		Message         string `json:"message"`
		ReadableMessage string `json:"readableMessage"`
	}
	if json.Unmarshal(raw, &e) == nil && (e.ReadableMessage != "" || e.Message != "") {
		if e.ReadableMessage != "" {
			return e.ReadableMessage
		}
		return e.Message
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
