package blocks

import (
	"fmt"
	"strings"
	"time"
)

// formatTime renders t with a Python strftime format (AutoGPT's), or with a
// Go layout when the format has no % directive but does contain a Go
// reference-time element (2006, 15:04, …). Anything else is literal text.
func formatTime(t time.Time, format string) string {
	if !strings.Contains(format, "%") {
		for _, marker := range []string{"2006", "15:04", "Jan", "Mon", "01/02", "01-02", "Z07:00", "-0700"} {
			if strings.Contains(format, marker) {
				return t.Format(format)
			}
		}
		return format
	}
	var sb strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			sb.WriteByte(c)
			continue
		}
		i++
		if s, ok := strftimeDirective(t, format[i]); ok {
			sb.WriteString(s)
		} else {
			sb.WriteByte('%')
			sb.WriteByte(format[i])
		}
	}
	return sb.String()
}

// strftimeDirective renders one %x directive; ok is false for unknown ones,
// which are kept verbatim as Python does.
func strftimeDirective(t time.Time, d byte) (string, bool) {
	switch d {
	case 'Y':
		return fmt.Sprintf("%04d", t.Year()), true
	case 'y':
		return fmt.Sprintf("%02d", t.Year()%100), true
	case 'm':
		return fmt.Sprintf("%02d", int(t.Month())), true
	case 'd':
		return fmt.Sprintf("%02d", t.Day()), true
	case 'e':
		return fmt.Sprintf("%2d", t.Day()), true
	case 'H':
		return fmt.Sprintf("%02d", t.Hour()), true
	case 'I':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return fmt.Sprintf("%02d", h), true
	case 'M':
		return fmt.Sprintf("%02d", t.Minute()), true
	case 'S':
		return fmt.Sprintf("%02d", t.Second()), true
	case 'f':
		return fmt.Sprintf("%06d", t.Nanosecond()/1000), true
	case 'p':
		return t.Format("PM"), true
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay()), true
	case 'a':
		return t.Format("Mon"), true
	case 'A':
		return t.Format("Monday"), true
	case 'b', 'h':
		return t.Format("Jan"), true
	case 'B':
		return t.Format("January"), true
	case 'w':
		return fmt.Sprintf("%d", int(t.Weekday())), true
	case 'z':
		return t.Format("-0700"), true
	case 'Z':
		return t.Format("MST"), true
	case 'F':
		return t.Format("2006-01-02"), true
	case 'T':
		return t.Format("15:04:05"), true
	case '%':
		return "%", true
	}
	return "", false
}
