package livebench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// BenchmarkExactlyOnce runs a tiny bench against a real server process
// (this repository's agentgraph, built here) on real Postgres and Redis:
// every event must reach every subscriber of its run exactly once, in
// order. It is a benchmark (`make bench`, or go test -run '^$' -bench .
// here) rather than a test so that the normal test pass does not build and
// drive a server for the harness: the delivery guarantees it exercises are
// the product's own tests' (internal/events, resolvers, e2e). The latency
// it reports is indicative; the assertions are what it is for.
func BenchmarkExactlyOnce(b *testing.B) {
	bin := testenv.BuildBinary(b)
	b.ResetTimer()
	for range b.N {
		exactlyOnce(b, bin)
	}
}

func exactlyOnce(b *testing.B, bin string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{
		Subscribers: 20, Executions: 4, Rate: 200, Duration: time.Second, Idle: 20, NoBaseline: true,
		Binary: bin, DatabaseURL: testenv.BaseURL(), RedisURL: testenv.RedisURL(), RedisPrefix: "unused:",
	})
	require.NoError(b, err)
	require.Len(b, res.Latency, 1)
	l := res.Latency[0]
	require.EqualValues(b, 200, l.Sent, "1s at 200 events/s")
	require.EqualValues(b, 5*l.Sent, l.Expected, "5 subscribers per run")
	require.Equal(b, l.Expected, l.Received, "lost %d (recovered %d), resnapshots %d, dup %d, failed %d (%v), hub dropped %d, reconnects %d",
		l.Lost, l.Recovered, l.Resnapshots, l.Duplicated, l.Failed, l.FirstFailure, l.HubDropped, l.Reconnects)
	require.Zero(b, l.Lost)
	require.Zero(b, l.Duplicated)
	require.Zero(b, l.Failed, "first failure: %v", l.FirstFailure)
	require.Equal(b, int(l.Received), l.Latency.N, "one latency sample per delivery")
	b.ReportMetric(float64(l.Latency.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(l.Latency.P99.Microseconds())/1000, "p99-ms")

	m := res.Memory
	require.NotNil(b, m)
	require.Zero(b, m.Failed)
	require.Greater(b, m.After.Goroutines, m.Before.Goroutines, "idle subscriptions hold server goroutines")
}

func TestDistOf(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	d := distOf(s)
	require.Equal(t, Dist{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond,
		P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}, d)
	require.Equal(t, Dist{}, distOf(nil))
}

// The bench's fast frame decoder agrees with encoding/json on what the
// server sends, and declines what it does not recognise.
func TestFastDecodeMatchesJSON(t *testing.T) {
	for _, frame := range []string{
		`{"type":"next","id":"1","payload":{"data":{"executionEvents":{"seq":42,"kind":"NODE_OUTPUT","executionId":"e","nodeId":"n","pin":"out","value":{"at":"x","seq":1,"kind":"y"},"at":"2026-11-25T16:42:44.123456Z"}}}}`,
		`{"type":"next","id":"7","payload":{"data":{"executionEvents":{"seq":1,"kind":"SNAPSHOT","executionId":"e","nodeId":null,"pin":null,"value":null,"at":"2026-11-25T16:42:44Z"}}}}`,
	} {
		var fast, full wsMessage
		require.True(t, fastDecode([]byte(frame), &fast), frame)
		require.NoError(t, json.Unmarshal([]byte(frame), &full))
		require.Equal(t, full.Type, fast.Type)
		require.Equal(t, *full.Payload.Data.Event, *fast.Payload.Data.Event)
	}
	for _, frame := range []string{`{"type":"ping"}`, `{"type":"next","id":"1","payload":{"errors":[{"message":"x"}]}}`,
		`{"type":"complete","id":"1"}`} {
		var m wsMessage
		require.False(t, fastDecode([]byte(frame), &m), frame)
	}
}

// ReadEventHead agrees with encoding/json on the frames of a subscription
// that selects seq, kind and status first, whatever the event's value
// holds, and declines what it cannot read safely.
func TestReadEventHeadMatchesJSON(t *testing.T) {
	for _, frame := range []string{
		`{"type":"next","id":"12","payload":{"data":{"executionEvents":{"seq":90,"kind":"GRAPH_STATUS","status":"COMPLETED","nodeId":null,"value":null,"at":"2026-11-30T06:14:49.123456Z","outputs":{"y":[1]}}}}}`,
		`{"type":"next","id":"3","payload":{"data":{"executionEvents":{"seq":4,"kind":"NODE_OUTPUT","status":null,"nodeId":"n","pin":"output","value":{"status":"FAILED","seq":1,"kind":"x"},"at":"2026-11-30T06:14:49Z"}}}}`,
		`{"type":"next","id":"1","payload":{"data":{"executionEvents":{"seq":2,"kind":"SNAPSHOT","executionId":"e","at":"2026-11-30T06:14:49Z"}}}}`,
	} {
		h, ok := ReadEventHead([]byte(frame))
		require.True(t, ok, frame)
		var full struct {
			ID      string
			Payload struct {
				Data struct {
					Event struct {
						Seq    int64
						Kind   string
						Status *string
					} `json:"executionEvents"`
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(frame), &full))
		ev := full.Payload.Data.Event
		status := ""
		if ev.Status != nil {
			status = *ev.Status
		}
		require.Equal(t, EventHead{ID: full.ID, Seq: ev.Seq, Kind: ev.Kind, Status: status, end: h.end}, h, frame)
	}
	for _, frame := range []string{
		`{"type":"ping"}`,
		`{"type":"complete","id":"1"}`,
		`{"type":"next","id":"1","payload":{"errors":[{"message":"x"}]}}`,
		`{"type":"next","id":"a\"b","payload":{"data":{"executionEvents":{"seq":1,"kind":"SNAPSHOT"}}}}`,
		`{"type":"next","id":"1","payload":{"data":{"executionEvents":{"seq":2,"executionId":"e","kind":"SNAPSHOT"}}}}`,
	} {
		_, ok := ReadEventHead([]byte(frame))
		require.False(t, ok, frame)
	}
}
