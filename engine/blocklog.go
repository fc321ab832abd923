package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
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

// debugNode is the DEBUG line of a run whose log level asks for it
// (run.debug, executeGraph's logLevel) when x starts (RUNNING) or ends:
// its block, node key, status and, at the end, its block's run time and
// what it was charged. It goes where blocks' lines go (the run's pending
// writes, stored with the next commit). setStatus calls it behind one bool,
// so a run at the default level pays nothing more. Caller holds r.mu.
func (r *run) debugNode(x *nodeExec, s model.Status) {
	fields := map[string]any{"block": x.n.info.Name, "node": x.n.key, "status": string(s)}
	var msg string
	switch {
	case s == model.StatusRunning:
		msg = fmt.Sprintf("node %s (%s) started", x.n.name(), x.n.info.Name)
	case s.IsTerminal():
		d := time.Duration(x.runTime * float64(time.Second))
		fields["duration_s"], fields["cost"] = x.runTime, x.charged
		msg = fmt.Sprintf("node %s (%s) %s in %s, cost %d", x.n.name(), x.n.info.Name, s, d, x.charged)
	default:
		return
	}
	l := r.logLine(blocks.LevelDebug, x, storable(msg))
	if raw, err := json.Marshal(fields); err == nil && !hasNUL(raw) { // a key with NUL would fail the commit
		l.Metadata = raw
	}
	r.pending.logs = append(r.pending.logs, l)
}
