package blocks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatTime(t *testing.T) {
	t.Parallel()
	ts := time.Date(2025, time.March, 9, 14, 5, 7, 123456000, time.FixedZone("X", 5*3600+30*60))
	tests := map[string]string{
		"%Y-%m-%d %H:%M:%S":         "2025-03-09 14:05:07",
		"%y/%m/%d":                  "25/03/09",
		"%I:%M %p":                  "02:05 PM",
		"%a %A %b %B %j %w":         "Sun Sunday Mar March 068 0",
		"%f %z %%":                  "123456 +0530 %",
		"%F %T":                     "2025-03-09 14:05:07",
		"%Q stays":                  "%Q stays",
		"trailing %":                "trailing %",
		"2006-01-02T15:04:05Z07:00": "2025-03-09T14:05:07+05:30",
		"today":                     "today",
	}
	for format, want := range tests {
		require.Equal(t, want, formatTime(ts, format), format)
	}
}

func TestGetCurrentDateAndTimeBlock(t *testing.T) {
	t.Parallel()
	got := mustRun(t, "GetCurrentDateAndTimeBlock", map[string]any{})
	require.Len(t, got, 1)
	require.Equal(t, "date_time", got[0].Pin)
	parsed, err := time.ParseInLocation("2006-01-02 15:04:05", got[0].Value.(string), time.UTC)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), parsed, 5*time.Second, "UTC when the user has no timezone")
}

func TestGetCurrentDateAndTimeUsesUserTimezone(t *testing.T) {
	t.Parallel()
	rc := &RunContext{UserContext: UserContext{Timezone: "Asia/Kathmandu"}}
	got, err := runCtx(t, t.Context(), rc, "GetCurrentDateAndTimeBlock", map[string]any{"format": "%z"})
	require.NoError(t, err)
	require.Equal(t, outs("date_time", "+0545"), got)

	rc = &RunContext{UserContext: UserContext{Timezone: "Mars/Olympus_Mons"}}
	_, err = runCtx(t, t.Context(), rc, "GetCurrentDateAndTimeBlock", map[string]any{})
	require.ErrorContains(t, err, `unknown timezone "Mars/Olympus_Mons"`)
}

func TestGetCurrentDateBlock(t *testing.T) {
	t.Parallel()
	got := mustRun(t, "GetCurrentDateBlock", map[string]any{"offset": 7, "trigger": "go"})
	require.Len(t, got, 1)
	d, err := time.Parse("2006-01-02", got[0].Value.(string))
	require.NoError(t, err)
	weekAgo := time.Now().UTC().AddDate(0, 0, -7)
	require.WithinDuration(t, weekAgo, d, 48*time.Hour)
	require.Less(t, d.Unix(), time.Now().AddDate(0, 0, -5).Unix(), "offset goes back in time")
}

func TestGetCurrentTimeBlock(t *testing.T) {
	t.Parallel()
	got := mustRun(t, "GetCurrentTimeBlock", map[string]any{})
	require.Len(t, got, 1)
	require.Equal(t, "time", got[0].Pin)
	require.Regexp(t, `^\d\d:\d\d:\d\d$`, got[0].Value)
}
