package events

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// appendEvent writes json.Marshal's bytes for every event, the characters
// JSON escapes included, whether it encodes it itself or hands it over.
func TestAppendEventWritesWhatJSONMarshalWrites(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	fast := 0
	for i := range 3000 {
		ev := randomEvent(r, fmt.Sprintf("e%d", i), int64(i))
		switch i % 7 {
		case 0:
			ev.Value = json.RawMessage("{ \"spaced\" : [1, 2] }") // compacted by encoding/json
		case 1:
			ev.Error = "bad \xff byte, \u2028 line \x01 control"
		case 2:
			ev.At = ev.At.In(time.FixedZone("", -5*3600-30*60))
		}
		want, err := json.Marshal(ev)
		require.NoError(t, err)
		got, err := appendEvent([]byte("prefix"), &ev)
		require.NoError(t, err)
		require.Equal(t, "prefix"+string(want), string(got))
		if _, ok := appendEventFast(nil, &ev); ok {
			fast++
		}
	}
	require.Greater(t, fast, 1500, "the fast path wrote a good share of them")
}

// What encoding/json refuses, appendEvent refuses.
func TestAppendEventRefusesWhatJSONMarshalRefuses(t *testing.T) {
	t.Parallel()
	for _, ev := range []Event{
		{ExecutionID: "e", GraphID: "g", Kind: KindNodeOutput, Value: json.RawMessage(`{"x":`), At: time.Now()},
		{ExecutionID: "e", GraphID: "g", Kind: KindGraphStatus, Outputs: json.RawMessage(`nope`), At: time.Now()},
		{ExecutionID: "e", GraphID: "g", Kind: KindNodeStatus, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		_, werr := json.Marshal(ev)
		require.Error(t, werr)
		_, err := appendEvent(nil, &ev)
		require.Error(t, err)
	}
}

func BenchmarkAppendEvent(b *testing.B) {
	ev := Event{ExecutionID: "6f1c0a52-8d7e-4a8b-9c61-1b2f3e4d5a6b", GraphID: "1a2b3c4d-0000-4000-8000-000000000001",
		UserID: "2b3c4d5e-0000-4000-8000-000000000002", Seq: 7, Kind: KindNodeOutput,
		NodeID: "3c4d5e6f-0000-4000-8000-000000000003", NodeExecutionID: "4d5e6f70-0000-4000-8000-000000000004",
		Pin: "output", Value: json.RawMessage(`42`), At: time.Now().UTC()}
	b.Run("appendEvent", func(b *testing.B) {
		var buf []byte
		for range b.N {
			buf, _ = appendEvent(buf[:0], &ev)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for range b.N {
			_, _ = json.Marshal(ev)
		}
	})
}
