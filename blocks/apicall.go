package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The service blocks AutoGPT's example agents use (Ideogram, Replicate,
// Google Maps, YouTube's transcripts) call one provider API each, at the
// base URL the operator configured for it (the credential's BaseURL, from
// the provider registry; YOUTUBE_URL), so a deployment can point them at a
// proxy or a local stub. Those URLs are trusted: the client is unguarded,
// and the API key goes to the configured API and nowhere else.

// serviceTimeout bounds one request to a provider API.
const serviceTimeout = 60 * time.Second

// requestCosts price a service block by the requests it sends.
var requestCosts = []Cost{{Type: CostRequest, Amount: 1, Currency: DefaultCurrency, Description: "per request to the provider's API"}}

// requestLimit is Info.Limits for a block sending at most n requests.
func requestLimit(n int64) func(map[string]any) Usage {
	return func(map[string]any) Usage { return Usage{CostRequest: n} }
}

// serviceBase is the credential's API base URL without its trailing slash,
// else def.
func serviceBase(c *Credential, def string) string {
	if c != nil && strings.TrimSpace(c.BaseURL) != "" {
		return strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	}
	return def
}

// serviceCall sends one request (REQUEST) to a provider API, body as JSON
// when not nil, and returns the status and at most maxResponseBytes of
// the answer. header sets the request's authentication.
func serviceCall(ctx context.Context, rc *RunContext, who, method, target string, body any, header func(*http.Request)) (int, []byte, error) {
	if err := rc.UseUnits(CostRequest, 1); err != nil {
		return 0, nil, err
	}
	return serviceDo(ctx, who, method, target, body, header)
}

// serviceDo is serviceCall without the REQUEST it counts (a poll of a
// prediction already paid for).
func serviceDo(ctx context.Context, who, method, target string, body any, header func(*http.Request)) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, serviceTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("building the request to %s: %w", who, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header != nil {
		header(req)
	}
	resp, err := unguardedClient.Do(req)
	if err != nil {
		return 0, nil, requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	return resp.StatusCode, raw, nil
}

// serviceJSON is serviceCall for a JSON API: a status of 300 or more is an
// error made by fail (from the status and the body), else the answer is
// decoded into out.
func serviceJSON(ctx context.Context, rc *RunContext, who, method, target string, body any, header func(*http.Request),
	fail func(status int, raw []byte) error, out any) error {
	status, raw, err := serviceCall(ctx, rc, who, method, target, body, header)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fail(status, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s's answer is not the expected JSON: %w", who, err)
	}
	return nil
}

// apiMessage is the message in a JSON error body ({"detail"}, {"message"},
// {"error": {"message"}}), else the body's start.
func apiMessage(raw []byte) string {
	var e struct {
		Detail  any    `json:"detail"`
		Message string `json:"message"`
		Error   any    `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil {
		switch {
		case e.Message != "":
			return e.Message
		case e.Detail != nil:
			return fmt.Sprint(e.Detail)
		case e.Error != nil:
			if m, ok := e.Error.(map[string]any); ok {
				if s, ok := m["message"].(string); ok && s != "" {
					return s
				}
			}
			return fmt.Sprint(e.Error)
		}
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "no details given"
	}
	return s
}

// downloadGuarded GETs a URL a provider answered (an image), through the
// private-network guard, without credentials (REQUEST).
func downloadGuarded(ctx context.Context, rc *RunContext, target string) ([]byte, error) {
	if err := rc.UseUnits(CostRequest, 1); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, serviceTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient(rc).Do(req)
	if err != nil {
		return nil, requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("GET %s answered %s", req.URL.Redacted(), resp.Status)
	}
	return raw, nil
}
