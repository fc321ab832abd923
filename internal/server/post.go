package server

import (
	"encoding/json"
	"mime"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport is the POST transport: gqlgen's, but for how a result is written.
// gqlgen's writes every response with json.Marshal, which validates and
// compacts the already-rendered data through encoding/json's scanner, byte
// by byte; on the editor's answer (a whole graph and its run, about a
// megabyte) that was a tenth of the server's CPU. writeResponse writes the
// same bytes in one plain pass. Requests reach it already checked by
// graphqlHTTP (method, media type, a JSON object body), which also fixes
// the status of request errors.
type postTransport struct{}

var _ graphql.Transport = postTransport{}

func (postTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == mediaJSON
}

func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	// graphqlHTTP put the negotiated media type in Accept (and sets the
	// final Content-Type itself).
	media := r.Header.Get("Accept")
	if media != mediaGraphQLResponse {
		media = mediaJSON
	}
	w.Header().Set("Content-Type", media)
	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber() // as gqlgen: variables keep their numbers exact
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v", err)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if media == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// outBuffers recycles the buffers responses are written into: a large
// answer would otherwise allocate its size again on every request.
var outBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer bounds what a pooled buffer may keep.
const maxPooledBuffer = 8 << 20

// writeResponse writes resp as json.Marshal would. A result with neither
// errors nor extensions (the common case, and the large one) is written
// as {"data":…} with the data compacted by appendCompactData; anything
// else goes through json.Marshal, as in gqlgen.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil {
		return
	}
	if len(resp.Errors) > 0 || len(resp.Extensions) > 0 || resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(err) // as gqlgen: the recover func answers INTERNAL
		}
		_, _ = w.Write(b)
		return
	}
	p := outBuffers.Get().(*[]byte)
	b := append((*p)[:0], `{"data":`...)
	if len(resp.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = appendCompactData(b, resp.Data)
	}
	b = append(b, '}')
	_, _ = w.Write(b)
	if cap(b) <= maxPooledBuffer {
		*p = b
		outBuffers.Put(p)
	}
}
