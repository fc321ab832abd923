package engine

import (
	"encoding/json"
	"strings"

	"github.com/agentgraph/agentgraph/blocks"
)

// Log is a block's log line (blocks.RunContext's Debug … Critical): it
// joins the run's pending writes and is stored in the next commit with the
// node's ids, like the engine's own lines. The agentRunner already exists
// per node execution, so a block that never logs costs nothing more.
func (a *agentRunner) Log(level, msg string, fields map[string]any) {
	if !blocks.ValidLevel(level) {
		// The column is an enum: an unknown level would fail the run's commit.
		if fields == nil {
			fields = map[string]any{}
		}
		fields["level"] = level
		level = blocks.LevelInfo
	}
	var meta json.RawMessage
	if len(fields) > 0 {
		raw, err := json.Marshal(fields)
		if err != nil || hasNUL(raw) {
			raw, _ = json.Marshal(map[string]string{"error": "the log line's fields are not JSON-encodable"})
		}
		meta = raw
	}
	// Text columns refuse NUL, which would fail the commit.
	msg = strings.ReplaceAll(msg, "\x00", "")
	r := a.r
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.logLine(level, a.x, msg)
	l.Metadata = meta
	r.pending.logs = append(r.pending.logs, l)
	r.markPending()
}
