package events

import (
	"encoding/json"
	"strconv"

	"github.com/agentgraph/agentgraph/internal/jsonappend"
)

// appendEvent appends json.Marshal(ev)'s bytes to dst, byte for byte,
// without reflection: the engine publishes about four events per node a
// run moves, and encoding/json took a twentieth of a serving process's CPU
// there (the mirror of decodeFast). What this does not write itself (a
// value holding HTML characters, which encoding/json escapes; a time
// encoding/json refuses) goes through json.Marshal, which also gives the
// errors.
func appendEvent(dst []byte, ev *Event) ([]byte, error) {
	b, ok := appendEventFast(dst, ev)
	if ok {
		return b, nil
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

// appendEventFast is appendEvent's own encoding; false (dst's bytes past
// its length then undefined) when json.Marshal must do it.
func appendEventFast(dst []byte, ev *Event) ([]byte, bool) {
	var ok bool
	b := append(dst, `{"executionId":`...)
	b = jsonappend.String(b, ev.ExecutionID)
	b = append(b, `,"graphId":`...)
	b = jsonappend.String(b, ev.GraphID)
	b = append(b, `,"userId":`...)
	b = jsonappend.String(b, ev.UserID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, `,"kind":`...)
	b = jsonappend.String(b, string(ev.Kind))
	b = appendOmitEmpty(b, `,"status":`, ev.Status)
	b = appendOmitEmpty(b, `,"nodeId":`, ev.NodeID)
	b = appendOmitEmpty(b, `,"nodeExecutionId":`, ev.NodeExecutionID)
	b = appendOmitEmpty(b, `,"pin":`, ev.Pin)
	if len(ev.Value) > 0 {
		if b, ok = jsonappend.Raw(append(b, `,"value":`...), ev.Value); !ok {
			return dst, false
		}
	}
	if ev.ValueTruncated {
		b = append(b, `,"valueTruncated":true`...)
	}
	b = appendOmitEmpty(b, `,"error":`, ev.Error)
	if b, ok = jsonappend.Time(append(b, `,"at":`...), ev.At); !ok {
		return dst, false
	}
	if ev.Delta {
		b = append(b, `,"delta":true`...)
	}
	if ev.Offset != 0 {
		b = strconv.AppendInt(append(b, `,"offset":`...), ev.Offset, 10)
	}
	if len(ev.Outputs) > 0 {
		if b, ok = jsonappend.Raw(append(b, `,"outputs":`...), ev.Outputs); !ok {
			return dst, false
		}
	}
	return append(b, '}'), true
}

func appendOmitEmpty(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return jsonappend.String(append(b, key...), s)
}
