package blocks

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

type logged struct {
	level, msg string
	fields     map[string]any
}

type recorder struct {
	mu    sync.Mutex
	lines []logged
}

func (r *recorder) Log(level, msg string, fields map[string]any) {
	r.mu.Lock()
	r.lines = append(r.lines, logged{level, msg, fields})
	r.mu.Unlock()
}

func TestRunContextLogsAtEveryLevel(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	rc := &RunContext{Logger: rec}
	rc.Debug("d", "k", 1)
	rc.Info("i")
	rc.Warning("w", "a", "b", "odd")
	rc.Error("e")
	rc.Critical("c")
	require.Equal(t, []logged{
		{"DEBUG", "d", map[string]any{"k": 1}},
		{"INFO", "i", nil},
		{"WARNING", "w", map[string]any{"a": "b", "odd": nil}},
		{"ERROR", "e", nil},
		{"CRITICAL", "c", nil},
	}, rec.lines)
	var none *RunContext
	none.Info("dropped") // outside the engine: no logger, no panic
	(&RunContext{}).Info("dropped")
	require.True(t, ValidLevel("WARNING"))
	require.False(t, ValidLevel("warn"))
}

func TestPrintToConsoleBlock(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	out, err := runCtx(t, context.Background(), &RunContext{Logger: rec}, "PrintToConsoleBlock",
		map[string]any{"text": "hello", "level": "WARNING"})
	require.NoError(t, err)
	require.Equal(t, outs("output", "hello", "status", "printed"), out)
	out, err = runCtx(t, context.Background(), &RunContext{Logger: rec}, "PrintToConsoleBlock",
		map[string]any{"text": map[string]any{"a": 1}})
	require.NoError(t, err)
	require.Equal(t, outs("output", map[string]any{"a": 1.0}, "status", "printed"), out)
	require.Equal(t, []logged{{"WARNING", "hello", nil}, {"INFO", `{"a":1}`, nil}}, rec.lines)
	r := Builtin()
	b, _ := r.ByName("PrintToConsoleBlock")
	require.Error(t, r.Validate(b.Info().ID, map[string]any{"text": "x", "level": "LOUD"}),
		"a level outside the five is refused by the input schema")
}
