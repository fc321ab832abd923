// Package logging builds a process's own logger (log/slog): JSON lines by
// default, one object per line for a log collector, or text for a person
// at a terminal; every line logged with a context that carries a span gets
// that span's trace_id and span_id, so a run's lines and its trace find
// each other.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Formats LOG_FORMAT accepts.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// FromEnv builds the logger LOG_FORMAT (json or text; default json, text
// when the output is a terminal) and LOG_LEVEL (debug, info, warn, error;
// default info) ask for, writing to w. Errors name the variable.
func FromEnv(getenv func(string) string, w io.Writer) (*slog.Logger, error) {
	format := strings.ToLower(strings.TrimSpace(getenv("LOG_FORMAT")))
	switch format {
	case "":
		format = FormatJSON
		if isTerminal(w) {
			format = FormatText
		}
	case FormatJSON, FormatText:
	default:
		return nil, fmt.Errorf("LOG_FORMAT must be json or text, got %q", format)
	}
	var level slog.Level
	if v := strings.TrimSpace(getenv("LOG_LEVEL")); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return nil, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", v)
		}
	}
	return New(w, format, level), nil
}

// New is a logger writing format (FormatJSON or FormatText) to w from
// level up, with trace ids on lines logged with a traced context.
func New(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == FormatText {
		h = slog.NewTextHandler(w, opts)
	} else {
		opts.ReplaceAttr = readableDuration
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(WithTraceIDs(h))
}

// readableDuration writes a duration as Go prints it ("10s"), not as the
// JSON handler would (a count of nanoseconds).
func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
