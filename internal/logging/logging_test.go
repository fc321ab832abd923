package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/internal/logging"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// A line logged with a traced context carries its trace and span ids,
// through loggers derived with With; one logged without does not.
// Durations read as Go prints them.
func TestJSONLinesCarryTraceIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, logging.FormatJSON, slog.LevelInfo).With("component", "engine")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5},
		TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	log.InfoContext(ctx, "run abandoned locally", "execution_id", "e-1", "lease", 10*time.Second)
	log.Info("claiming runs")
	log.DebugContext(ctx, "below the level")

	got := lines(t, &buf)
	require.Len(t, got, 2)
	require.Equal(t, "run abandoned locally", got[0]["msg"])
	require.Equal(t, "e-1", got[0]["execution_id"])
	require.Equal(t, "engine", got[0]["component"])
	require.Equal(t, sc.TraceID().String(), got[0]["trace_id"])
	require.Equal(t, sc.SpanID().String(), got[0]["span_id"])
	require.Equal(t, "10s", got[0]["lease"])
	require.NotContains(t, got[1], "trace_id")
}

// LOG_FORMAT (json, the default off a terminal, or text) and LOG_LEVEL;
// other values are refused naming the variable.
func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	var buf bytes.Buffer
	log, err := logging.FromEnv(env(nil), &buf)
	require.NoError(t, err)
	log.Info("hello")
	log.Debug("hidden at the default level")
	require.Equal(t, "hello", lines(t, &buf)[0]["msg"])
	require.Len(t, lines(t, &buf), 1)

	buf.Reset()
	log, err = logging.FromEnv(env(map[string]string{"LOG_FORMAT": "text", "LOG_LEVEL": "debug"}), &buf)
	require.NoError(t, err)
	log.Debug("shown")
	require.Contains(t, buf.String(), "level=DEBUG msg=shown")

	for k, v := range map[string]string{"LOG_FORMAT": "xml", "LOG_LEVEL": "loud"} {
		_, err := logging.FromEnv(env(map[string]string{k: v}), &buf)
		require.Error(t, err)
		require.Contains(t, err.Error(), k)
	}
}
