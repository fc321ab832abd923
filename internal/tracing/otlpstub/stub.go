// Package otlpstub is a protocol-faithful OTLP/HTTP trace receiver for
// tests and benchmarks: it accepts POST /v1/traces with a protobuf
// ExportTraceServiceRequest (gzip or not), answers an
// ExportTraceServiceResponse, and keeps the spans it received, decoded into
// plain values, for assertions on the span tree.
package otlpstub

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one received span. Ids are lowercase hex; ParentSpanID is "" for
// a root span.
type Span struct {
	TraceID, SpanID, ParentSpanID string
	Name                          string
	Kind                          tracepb.Span_SpanKind
	Attrs                         map[string]any // string, int64, float64 or bool values
	StatusCode                    tracepb.Status_StatusCode
	StatusMessage                 string
	Service                       string // the resource's service.name
	Start, End                    time.Time
}

// Stub is a running receiver; Close it when done.
type Stub struct {
	*httptest.Server
	// TracesURL is the endpoint to export to (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
	TracesURL string

	mu      sync.Mutex
	spans   []Span
	changed chan struct{} // closed and replaced whenever spans arrive
}

// New starts a receiver.
func New() *Stub {
	s := &Stub{changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", s.export)
	s.Server = httptest.NewServer(mux)
	s.TracesURL = s.URL + "/v1/traces"
	return s
}

func (s *Stub) export(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "unsupported content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, "not an ExportTraceServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	got := Decode(&req)
	s.mu.Lock()
	s.spans = append(s.spans, got...)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// Decode flattens a request into its spans.
func Decode(req *coltracepb.ExportTraceServiceRequest) []Span {
	var out []Span
	for _, rs := range req.GetResourceSpans() {
		service, _ := attrs(rs.GetResource().GetAttributes())["service.name"].(string)
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				out = append(out, Span{
					TraceID: hex.EncodeToString(sp.GetTraceId()), SpanID: hex.EncodeToString(sp.GetSpanId()),
					ParentSpanID: hex.EncodeToString(sp.GetParentSpanId()), Name: sp.GetName(), Kind: sp.GetKind(),
					Attrs: attrs(sp.GetAttributes()), StatusCode: sp.GetStatus().GetCode(),
					StatusMessage: sp.GetStatus().GetMessage(), Service: service,
					Start: time.Unix(0, int64(sp.GetStartTimeUnixNano())), End: time.Unix(0, int64(sp.GetEndTimeUnixNano())),
				})
			}
		}
	}
	return out
}

func attrs(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.GetKey()] = v.IntValue
		case *commonpb.AnyValue_DoubleValue:
			m[kv.GetKey()] = v.DoubleValue
		case *commonpb.AnyValue_BoolValue:
			m[kv.GetKey()] = v.BoolValue
		default:
			m[kv.GetKey()] = fmt.Sprint(kv.GetValue())
		}
	}
	return m
}

// Spans is every span received so far, in arrival order.
func (s *Stub) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Span(nil), s.spans...)
}

// WaitFor waits until done holds for the spans received, and returns them;
// at ctx's end it returns what it has and ctx's error. done is asked again
// whenever spans arrive and at least every 100 ms, so it may flush the
// exporters whose spans it waits for.
func (s *Stub) WaitFor(ctx context.Context, done func([]Span) bool) ([]Span, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		spans, changed := append([]Span(nil), s.spans...), s.changed
		s.mu.Unlock()
		if done(spans) {
			return spans, nil
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-ctx.Done():
			return spans, ctx.Err()
		}
	}
}
