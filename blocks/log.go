package blocks

import "fmt"

// Log levels, the seed's LogLevel.
const (
	LevelDebug    = "DEBUG"
	LevelInfo     = "INFO"
	LevelWarning  = "WARNING"
	LevelError    = "ERROR"
	LevelCritical = "CRITICAL"
)

// Logger takes a block's log lines: a level, a message and structured
// fields (JSON-encodable values by name; nil when none).
type Logger interface {
	Log(level, msg string, fields map[string]any)
}

// Debug logs at DEBUG; kv are alternating field names and values.
func (rc *RunContext) Debug(msg string, kv ...any) { rc.log(LevelDebug, msg, kv) }

// Info logs at INFO.
func (rc *RunContext) Info(msg string, kv ...any) { rc.log(LevelInfo, msg, kv) }

// Warning logs at WARNING.
func (rc *RunContext) Warning(msg string, kv ...any) { rc.log(LevelWarning, msg, kv) }

// Error logs at ERROR (the block goes on; returning an error is what fails it).
func (rc *RunContext) Error(msg string, kv ...any) { rc.log(LevelError, msg, kv) }

// Critical logs at CRITICAL.
func (rc *RunContext) Critical(msg string, kv ...any) { rc.log(LevelCritical, msg, kv) }

func (rc *RunContext) log(level, msg string, kv []any) {
	if rc == nil || rc.Logger == nil {
		return
	}
	var fields map[string]any
	if len(kv) > 0 {
		fields = make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k := fmt.Sprint(kv[i])
			if i+1 < len(kv) {
				fields[k] = kv[i+1]
			} else {
				fields[k] = nil // an odd name keeps its place, as slog's !BADKEY would
			}
		}
	}
	rc.Logger.Log(level, msg, fields)
}

// ValidLevel reports whether level is one of the five.
func ValidLevel(level string) bool {
	switch level {
	case LevelDebug, LevelInfo, LevelWarning, LevelError, LevelCritical:
		return true
	}
	return false
}
