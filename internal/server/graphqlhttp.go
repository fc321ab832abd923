package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Media types of GraphQL-over-HTTP responses.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// CodeBadRequest marks a request refused at the HTTP layer (not JSON, no
// query, a parameter of the wrong type), before GraphQL parsing.
const CodeBadRequest = "BAD_REQUEST"

// graphqlHTTP adapts gqlgen's GET and POST transports to the GraphQL-over-HTTP
// specification (the graphql-http audit in e2e/ checks it): it negotiates the
// response media type (406 when neither JSON type is acceptable), refuses
// other methods (405 with Allow), other request media types (415), malformed
// bodies and parameters (400) and mutations over GET (405), and fixes the
// status of GraphQL request errors: 400 under application/graphql-response+json,
// 200 under application/json, with no "data" entry either way. Execution
// stays with gqlgen; websocket upgrades pass through untouched.
func graphqlHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r) // the websocket and OPTIONS transports answer these
			return
		}
		w.Header().Add("Vary", "Accept")
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeRequestError(w, mediaJSON, http.StatusMethodNotAllowed, "GraphQL is served over GET and POST only")
			return
		}
		media := negotiate(r.Header.Values("Accept"))
		if media == "" {
			writeRequestError(w, mediaJSON, http.StatusNotAcceptable,
				"the response can only be "+mediaGraphQLResponse+" or "+mediaJSON+"; the Accept header allows neither")
			return
		}
		var status int
		var msg string
		if r.Method == http.MethodPost {
			status, msg = checkPost(r)
		} else {
			status, msg = checkGet(r)
		}
		if status != 0 {
			if status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", "POST")
			}
			writeRequestError(w, media, status, msg)
			return
		}
		// gqlgen picks its content type from Accept; hand it the one chosen here.
		r.Header.Set("Accept", media)
		rec := &recorder{header: w.Header(), body: recorderBuffers.Get().(*bytes.Buffer)}
		next.ServeHTTP(rec, r)
		rec.finish(w, r, media)
		rec.release()
	})
}

// negotiate returns the response media type for the Accept header values: the
// acceptable one with the highest q, where an exact mention beats a wildcard.
// A tie between exact mentions goes to application/graphql-response+json (a
// client naming it wants it); a tie among wildcards, and a missing header, to
// application/json, as the specification asks during its transition period.
// It returns "" when neither type is acceptable.
func negotiate(accept []string) string {
	if len(accept) == 0 || strings.TrimSpace(strings.Join(accept, "")) == "" {
		return mediaJSON
	}
	type grade struct {
		q           float64
		specificity int // 3 exact, 2 application/*, 1 */*, 0 unmatched
	}
	grades := map[string]grade{}
	for _, h := range accept {
		for part := range strings.SplitSeq(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			for _, cand := range []string{mediaGraphQLResponse, mediaJSON} {
				spec := 0
				switch mt {
				case cand:
					spec = 3
				case "application/*":
					spec = 2
				case "*/*":
					spec = 1
				}
				if g := grades[cand]; spec > g.specificity {
					grades[cand] = grade{q: q, specificity: spec}
				}
			}
		}
	}
	gr, js := grades[mediaGraphQLResponse], grades[mediaJSON]
	switch {
	case gr.q <= 0 && js.q <= 0:
		return ""
	case gr.q != js.q:
		if gr.q > js.q {
			return mediaGraphQLResponse
		}
		return mediaJSON
	case gr.specificity == 3:
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// checkPost validates a POST's media type and body, leaving the body readable
// again for gqlgen. It returns 0 when the request is well-formed.
func checkPost(r *http.Request) (int, string) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		return http.StatusUnsupportedMediaType, "a POST body must be application/json"
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return http.StatusUnsupportedMediaType, "a POST body must be encoded in utf-8"
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, "the request body is larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"
		}
		return http.StatusBadRequest, "the request body could not be read"
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 {
		return http.StatusBadRequest, "the request body is empty"
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return http.StatusBadRequest, "the request body is not a JSON object (batches are not supported)"
	}
	if _, err := dec.Token(); err != io.EOF {
		return http.StatusBadRequest, "the request body has data after its JSON object"
	}
	return checkParams(fields)
}

// checkParams checks the types of the request parameters. A missing query is
// allowed only with a persisted-query extension, which gqlgen resolves.
func checkParams(fields map[string]json.RawMessage) (int, string) {
	kind := func(name string) byte {
		v := bytes.TrimSpace(fields[name])
		if len(v) == 0 || string(v) == "null" {
			return 0
		}
		return v[0]
	}
	switch kind("query") {
	case '"':
	case 0:
		if !hasPersistedQuery(fields["extensions"]) {
			return http.StatusBadRequest, "the request has no query"
		}
	default:
		return http.StatusBadRequest, "query must be a string"
	}
	if k := kind("operationName"); k != 0 && k != '"' {
		return http.StatusBadRequest, "operationName must be a string or null"
	}
	for _, name := range []string{"variables", "extensions"} {
		if k := kind(name); k != 0 && k != '{' {
			return http.StatusBadRequest, name + " must be a JSON object or null"
		}
	}
	return 0, ""
}

func hasPersistedQuery(extensions json.RawMessage) bool {
	var ext map[string]json.RawMessage
	return json.Unmarshal(extensions, &ext) == nil && len(ext["persistedQuery"]) > 0
}

// checkGet validates a GET's URL parameters and refuses anything but a query
// operation with 405, as the specification requires: GET must be safe.
func checkGet(r *http.Request) (int, string) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return http.StatusBadRequest, "the URL query string is malformed"
	}
	fields := map[string]json.RawMessage{}
	if values.Has("query") {
		fields["query"], _ = json.Marshal(values.Get("query"))
	}
	if values.Has("operationName") {
		fields["operationName"], _ = json.Marshal(values.Get("operationName"))
	}
	for _, name := range []string{"variables", "extensions"} {
		if v := values.Get(name); v != "" {
			if !json.Valid([]byte(v)) {
				return http.StatusBadRequest, name + " is not valid JSON"
			}
			fields[name] = json.RawMessage(v)
		}
	}
	if status, msg := checkParams(fields); status != 0 {
		return status, msg
	}
	// A query that does not parse is left to gqlgen, which reports it. The
	// token limit is gqlgen's, so a huge query costs no more here than there.
	if doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: values.Get("query")}, MaxParserTokens); err == nil {
		if op := pickOperation(doc, values.Get("operationName")); op != nil && op.Operation != ast.Query {
			return http.StatusMethodNotAllowed, "GET can only run queries; send " + string(op.Operation) + "s with POST"
		}
	}
	return 0, ""
}

// pickOperation is the operation gqlgen will run: the named one, or the only one.
func pickOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name == "" && len(doc.Operations) != 1 {
		return nil
	}
	return doc.Operations.ForName(name)
}

// recorder buffers gqlgen's answer so its status can be fixed before anything
// is sent. It relies on how gqlgen's GET and POST transports write: they call
// WriteHeader only when the operation failed before execution (parse,
// validation, variable coercion, a limit extension, a persisted-query miss),
// and write an executed result with an implicit 200.
type recorder struct {
	header http.Header
	status int
	body   *bytes.Buffer
}

// recorderBuffers recycles the recorders' buffers: the answer passes
// through one on every request, and a large one would otherwise allocate
// its size again (twice over, as the buffer grows) each time.
var recorderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// release hands the buffer back once the answer is written.
func (c *recorder) release() {
	if c.body.Cap() <= maxPooledBuffer {
		c.body.Reset()
		recorderBuffers.Put(c.body)
	}
	c.body = nil
}

func (c *recorder) Header() http.Header         { return c.header }
func (c *recorder) Write(b []byte) (int, error) { return c.body.Write(b) }
func (c *recorder) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *recorder) finish(w http.ResponseWriter, r *http.Request, media string) {
	status, body := c.status, c.body.Bytes()
	switch {
	case status == 0:
		status = http.StatusOK
	case status == http.StatusNotAcceptable && r.Method == http.MethodGet:
		// gqlgen's answer to a mutation over GET that checkGet could not see
		// (a persisted query sent by hash only).
		w.Header().Set("Allow", "POST")
		status = http.StatusMethodNotAllowed
	case status == http.StatusOK || status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		// A GraphQL request error: nothing was executed, so there is no data.
		status = http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		body = withoutData(body)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// withoutData drops the "data": null that gqlgen writes beside request errors;
// the GraphQL specification says data is absent when execution never began.
func withoutData(body []byte) []byte {
	var resp map[string]json.RawMessage
	if json.Unmarshal(body, &resp) != nil {
		return body
	}
	if _, ok := resp["data"]; !ok {
		return body
	}
	delete(resp, "data")
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}

// writeRequestError answers a request refused before gqlgen saw it.
func writeRequestError(w http.ResponseWriter, media string, status int, msg string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message": msg, "extensions": map[string]any{"code": CodeBadRequest},
	}}})
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
