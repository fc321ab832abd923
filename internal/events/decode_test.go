package events

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// decodeJSON is the reference: what encoding/json makes of a message.
func decodeJSON(t *testing.T, payload []byte) ([]*Event, error) {
	t.Helper()
	if strings.HasPrefix(strings.TrimLeft(string(payload), " \t\r\n"), "[") {
		var evs []*Event
		err := json.Unmarshal(payload, &evs)
		return evs, err
	}
	ev := new(Event)
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, err
	}
	return []*Event{ev}, nil
}

// randomEvent is an event as the engine makes them, its strings and value
// drawn to include what JSON escapes (quotes, backslashes, control and HTML
// characters, non-ASCII text).
func randomEvent(r *rand.Rand, exec string, seq int64) Event {
	texts := []string{"", "output", "ünïcödé ✓", `a "quoted" \ path`, "line\nbreak\ttab", "<b>&amp;</b>", "plain text"}
	values := []string{``, `1`, `-2.5e3`, `"text"`, `"{\"not\":\"an object\"}"`, `{"a":[1,{"b":"}]"}],"c":null}`,
		`[true,false,null]`, `{"seq":1,"kind":"x","executionId":"y"}`, `"é \u00e9 \\ \""`}
	kinds := []Kind{KindGraphStatus, KindNodeStatus, KindNodeOutput, KindNodeOutputDelta}
	ev := Event{ExecutionID: exec, GraphID: "g-" + exec, UserID: "u1", Seq: seq, Kind: kinds[r.IntN(len(kinds))],
		At: time.Date(2026, 11, 30, 6, r.IntN(60), r.IntN(60), r.IntN(1e9), time.UTC)}
	if r.IntN(2) == 0 {
		ev.Status = []string{"RUNNING", "COMPLETED", "FAILED"}[r.IntN(3)]
	}
	if r.IntN(2) == 0 {
		ev.NodeID, ev.NodeExecutionID = "n-"+fmt.Sprint(r.IntN(9)), "ne-"+fmt.Sprint(seq)
	}
	ev.Pin = texts[r.IntN(len(texts))]
	if v := values[r.IntN(len(values))]; v != "" {
		ev.Value = json.RawMessage(v)
	}
	ev.ValueTruncated = r.IntN(8) == 0
	if r.IntN(4) == 0 {
		ev.Error = texts[r.IntN(len(texts))]
	}
	if ev.Kind == KindNodeOutputDelta {
		ev.Delta, ev.Offset = true, r.Int64N(1000)
	}
	if r.IntN(10) == 0 {
		ev.At = ev.At.In(time.FixedZone("", 3600)) // an offset, as a foreign publisher might write
	}
	if ev.Terminal() && r.IntN(2) == 0 {
		ev.Outputs = json.RawMessage(`{"y":[` + values[1+r.IntN(len(values)-1)] + `]}`)
	}
	return ev
}

// Whatever the Publisher writes, Decode reads exactly as encoding/json
// does: single events and batches, with and without the characters JSON
// escapes.
func TestDecodeReadsWhatThePublisherWritesAsEncodingJSONDoes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := range 2000 {
		n := 1 + r.IntN(5)
		if i%3 == 0 {
			n = 1
		}
		parts := make([]string, n)
		for k := range parts {
			b, err := json.Marshal(randomEvent(r, fmt.Sprintf("e%d", i), int64(k+1)))
			require.NoError(t, err)
			parts[k] = string(b)
		}
		payload := parts[0]
		if n > 1 || i%5 == 0 {
			payload = "[" + strings.Join(parts, ",") + "]"
		}
		want, err := decodeJSON(t, []byte(payload))
		require.NoError(t, err)
		if _, ok := decodeFast([]byte(payload)); ok {
			fast++
		}
		got, err := Decode([]byte(payload))
		require.NoError(t, err)
		require.Len(t, got, len(want), payload)
		for k := range want {
			require.True(t, want[k].At.Equal(got[k].At), payload)
			want[k].At, got[k].At = time.Time{}, time.Time{}
			require.Equal(t, *want[k], *got[k], payload)
		}
	}
	require.Greater(t, fast, 400, "the fast path read a good share of them")
	t.Logf("%d of 2000 messages read by the fast path", fast)
}

// The fast path takes the Publisher's own output, and declines the rest
// (which encoding/json then reads, or refuses).
func TestDecodeFastPathDeclinesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Event{ExecutionID: "e", GraphID: "g", UserID: "u", Seq: 3, Kind: KindNodeOutput,
		Pin: "output", Value: json.RawMessage(`{"x":[1,2]}`), At: time.Now().UTC()})
	require.NoError(t, err)
	_, ok := decodeFast(b)
	require.True(t, ok)
	_, ok = decodeFast([]byte("[" + string(b) + "," + string(b) + "]"))
	require.True(t, ok)

	good := string(b)
	for _, payload := range []string{
		" " + good, // whitespace
		strings.Replace(good, `"pin":"output"`, `"pin":"out\"put"`, 1), // an escape
		strings.Replace(good, `"seq":3`, `"Seq":3`, 1),                 // a key in another case
		strings.Replace(good, `"seq":3`, `"seq":3,"seq":4`, 1),         // a repeated key
		strings.Replace(good, `"seq":3`, `"seq":3.0`, 1),
		strings.Replace(good, `"seq":3,`, ``, 1),              // a field always written, missing
		strings.Replace(good, `{"x":[1,2]}`, `{"x":[1,2}`, 1), // a value that is not JSON
		strings.Replace(good, `{"x":[1,2]}`, `null`, 1),
		strings.Replace(good, `"output"`, "\"out\xffput\"", 1), // not UTF-8
		strings.Replace(good, `"output"`, "\"out\nput\"", 1),   // a raw control character
		"[" + good + "," + good,
		"[]",
		good + "x",
	} {
		_, ok := decodeFast([]byte(payload))
		require.False(t, ok, payload)
		want, werr := decodeJSON(t, []byte(payload))
		got, gerr := Decode([]byte(payload))
		require.Equal(t, werr != nil, gerr != nil, payload)
		if werr == nil {
			require.Equal(t, want, got, payload)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	parts := make([]string, 64)
	for k := range parts {
		ev := Event{ExecutionID: "6f1c0a52-8d7e-4a8b-9c61-1b2f3e4d5a6b", GraphID: "1a2b3c4d-0000-4000-8000-000000000001",
			UserID: "2b3c4d5e-0000-4000-8000-000000000002", Seq: int64(k + 3), Kind: KindNodeOutput,
			NodeID: "3c4d5e6f-0000-4000-8000-000000000003", NodeExecutionID: "4d5e6f70-0000-4000-8000-000000000004",
			Pin: "output", Value: json.RawMessage(fmt.Sprint(r.IntN(1000))), At: time.Now().UTC()}
		bs, _ := json.Marshal(ev)
		parts[k] = string(bs)
	}
	payload := []byte("[" + strings.Join(parts, ",") + "]")
	b.Run("fast", func(b *testing.B) {
		for range b.N {
			if _, err := Decode(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for range b.N {
			var evs []*Event
			if err := json.Unmarshal(payload, &evs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
