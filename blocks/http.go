package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxResponseBytes bounds how much of a response body a block keeps, so one
// node cannot exhaust a worker's memory: the most max_response_kib allows.
const maxResponseBytes = 10 << 20

// defaultResponseKiB is max_response_kib's default: 64 KiB, so a request
// reserves 65 credits by default (1 KiB is 1 credit), not 1,025. It is also what
// is reserved for the body (BYTE) unless a node asks for less or more.
const defaultResponseKiB = 64

// maxRetries bounds the retries input: each one is a request paid for.
const maxRetries = 5

type sendWebRequestIn struct {
	URL        string            `json:"url" jsonschema:"format=uri" jsonschema_description:"The http(s) URL to send the request to."`
	Method     string            `json:"method" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=DELETE,enum=PATCH,enum=HEAD,enum=OPTIONS,default=POST" jsonschema_description:"The HTTP method."`
	Headers    map[string]string `json:"headers,omitempty" jsonschema_description:"Request headers."`
	JSONFormat bool              `json:"json_format" jsonschema:"default=false" jsonschema_description:"Send the body as JSON: sets Content-Type application/json even for a string body."`
	Body       any               `json:"body,omitempty" jsonschema_description:"The request body: a string is sent as is, anything else JSON-encoded."`
	Timeout    float64           `json:"timeout" jsonschema:"default=30,exclusiveMinimum=0" jsonschema_description:"Seconds to wait for the whole request."`
	MaxKiB     int64             `json:"max_response_kib" jsonschema:"default=64,minimum=1,maximum=10240" jsonschema_description:"The largest response body accepted, in KiB: a larger one fails the node. Its BYTE price is reserved before the request and the unused part given back."`
	Retries    int64             `json:"retries" jsonschema:"default=0,minimum=0,maximum=5" jsonschema_description:"How many times to try again after a failed request (no answer, or a 5xx status); every try is a request paid for (REQUEST)."`
	// Only the credential's id travels in the input (and is stored); the
	// engine hands the decrypted secret to the run in RunContext.
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A stored credential to authenticate with: a bearer token (OAuth2, API key), basic auth, or the header its metadata names."`
}

type sendWebRequestOut struct {
	Response    any               `json:"response" jsonschema_description:"The body of a 2xx/3xx response, JSON-decoded when it is JSON."`
	ClientError any               `json:"client_error" jsonschema_description:"The body of a 4xx response."`
	ServerError any               `json:"server_error" jsonschema_description:"The body of a 5xx response."`
	Status      int               `json:"status" jsonschema_description:"The HTTP status code."`
	Headers     map[string]string `json:"headers" jsonschema_description:"The response headers (repeated ones joined with \", \")."`
}

// SendWebRequestBlock makes an HTTP request. An HTTP error status is an
// answer, not a failure: its body goes out on client_error or server_error
// so a graph can handle it. A request that gets no answer (connection
// refused, DNS, timeout) fails the node with the reason.
func SendWebRequestBlock() Block {
	return Define[sendWebRequestIn, sendWebRequestOut](Info{
		ID:          "6595ae1f-b924-42cb-9a41-551a0611c4b4",
		Name:        "SendWebRequestBlock",
		Description: "Makes an HTTP request to the given URL and outputs the response.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs: []Cost{
			{Type: CostRequest, Amount: 1, Currency: DefaultCurrency, Description: "per request sent, retries included"},
			{Type: CostByte, Amount: 1, Currency: DefaultCurrency, Description: "per started KiB of response body; max_response_kib is reserved, the unused part given back"},
		},
		Limits:      httpLimits,
		PricedBy:    []string{"retries", "max_response_kib"},
		Credentials: &CredentialsSpec{Optional: true},
	}, func(ctx context.Context, rc *RunContext, in sendWebRequestIn, emit Emit) error {
		resp, raw, err := sendWithRetries(ctx, rc, in)
		if err != nil {
			return err
		}
		pin := "response"
		switch {
		case resp.StatusCode >= 500:
			pin = "server_error"
		case resp.StatusCode >= 400:
			pin = "client_error"
		}
		if err := emit(pin, decodeBody(raw)); err != nil {
			return err
		}
		if err := emit("status", resp.StatusCode); err != nil {
			return err
		}
		headers := make(map[string]any, len(resp.Header))
		for k, v := range resp.Header {
			headers[k] = strings.Join(v, ", ")
		}
		return emit("headers", headers)
	})
}

func buildRequest(ctx context.Context, in sendWebRequestIn) (*http.Request, context.CancelFunc, error) {
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("url %q is not an absolute http(s) URL", in.URL)
	}
	var body io.Reader
	isJSON := in.JSONFormat
	switch b := in.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, nil, fmt.Errorf("body is not JSON-encodable: %w", err)
		}
		body, isJSON = bytes.NewReader(raw), true
	}
	timeout := time.Duration(in.Timeout * float64(time.Second))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, in.Method, u.String(), body)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("building request: %w", err)
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	if isJSON && body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, cancel, nil
}

// requestError says why a request got no answer; the run's own
// cancellation is returned as is so the engine sees it.
func requestError(ctx context.Context, req *http.Request, timeout float64, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	target := req.Method + " " + req.URL.Redacted()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: timed out after %vs", target, timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: request failed: %w", target, err)
}

// decodeBody is the body as JSON when it parses, else as text.
func decodeBody(raw []byte) any {
	if v, err := parseJSON(string(raw)); err == nil && len(bytes.TrimSpace(raw)) > 0 {
		return v
	}
	return string(raw)
}

// httpLimits is SendWebRequestBlock's Info.Limits: 1 + retries requests,
// and max_response_kib of body (the defaults when the node sets none).
func httpLimits(input map[string]any) Usage {
	retries := int64(0)
	if f, ok := toFloat(input["retries"]); ok && f > 0 {
		retries = min(int64(f), maxRetries)
	}
	return Usage{CostRequest: 1 + retries, CostByte: responseKiB(input, defaultResponseKiB) * 1024}
}

// responseKiB is a node's max_response_kib, def when it sets none, at most
// what maxResponseBytes allows.
func responseKiB(input map[string]any, def int64) int64 {
	if f, ok := toFloat(input["max_response_kib"]); ok && f >= 1 {
		return min(int64(f), maxResponseBytes/1024)
	}
	return def
}

// sendWithRetries sends the request, and again after no answer or a 5xx
// (up to in.Retries more times, backing off 200ms, 400ms, …). Every request
// is reported (REQUEST) before it is sent, and the kept body's bytes
// (BYTE) as they are read; a 5xx body that is retried is not read.
func sendWithRetries(ctx context.Context, rc *RunContext, in sendWebRequestIn) (*http.Response, []byte, error) {
	limit := min(max(in.MaxKiB, 1)*1024, maxResponseBytes)
	retries := min(max(in.Retries, 0), maxRetries)
	for try := int64(0); ; try++ {
		if err := rc.UseUnits(CostRequest, 1); err != nil {
			return nil, nil, err
		}
		req, cancel, err := buildRequest(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		if rc.InputCredential != nil {
			rc.InputCredential.Apply(req)
		}
		resp, err := httpClient(rc).Do(req)
		last := try >= retries
		if err != nil {
			cancel()
			if last || ctx.Err() != nil {
				return nil, nil, requestError(ctx, req, in.Timeout, err)
			}
		} else if resp.StatusCode >= 500 && !last {
			resp.Body.Close()
			cancel()
		} else {
			raw, err := readBody(rc, resp.Body, limit)
			resp.Body.Close()
			cancel()
			if err != nil {
				var over *ErrOverLimit
				if errors.As(err, &over) || errors.Is(err, errBodyTooLarge) {
					return nil, nil, fmt.Errorf("%s %s: response body exceeds %d KiB (max_response_kib)", req.Method, req.URL.Redacted(), limit/1024)
				}
				return nil, nil, requestError(ctx, req, in.Timeout, err)
			}
			return resp, raw, nil
		}
		t := time.NewTimer(200 * time.Millisecond << try)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
	}
}

var errBodyTooLarge = errors.New("response body too large")

// readBody reads at most limit bytes, reporting them (BYTE) as they come.
func readBody(rc *RunContext, body io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		n, err := body.Read(chunk)
		if n > 0 {
			if int64(buf.Len()+n) > limit {
				return nil, errBodyTooLarge
			}
			if uerr := rc.UseUnits(CostByte, int64(n)); uerr != nil {
				return nil, uerr
			}
			buf.Write(chunk[:n])
		}
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}
