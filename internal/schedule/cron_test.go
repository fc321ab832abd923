package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// occurrences lists the cron's occurrences in [from, to), in UTC.
func occurrences(t *testing.T, c *Cron, from, to time.Time) []string {
	t.Helper()
	var out []string
	for at := c.Next(from.Add(-time.Nanosecond)); !at.IsZero() && at.Before(to); at = c.Next(at) {
		out = append(out, at.UTC().Format(time.RFC3339))
		require.Less(t, len(out), 1000, "runaway")
	}
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCron(t *testing.T, expr, tz string) *Cron {
	t.Helper()
	c, err := ParseCron(expr, tz)
	require.NoError(t, err)
	return c
}

// A wall time skipped by the spring-forward runs once, at the first instant
// after the gap (3:00 local), and the schedule resumes its wall time the day
// after. robfig's Next alone drops the skipped day entirely.
func TestSpringForwardRunsSkippedTimeOnceAtNextValidInstant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tz, from, to string
		want         []string
	}{
		// New York, 9 March 2025: 2:00 EST → 3:00 EDT.
		{"America/New_York", "2025-03-08T00:00:00Z", "2025-03-11T00:00:00Z",
			[]string{"2025-03-08T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"}},
		// Berlin, 30 March 2025: 2:00 CET → 3:00 CEST.
		{"Europe/Berlin", "2025-03-29T00:00:00Z", "2025-04-01T00:00:00Z",
			[]string{"2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.tz, func(t *testing.T) {
			c := mustCron(t, "30 2 * * *", tc.tz)
			require.Equal(t, tc.want, occurrences(t, c, utc(tc.from), utc(tc.to)))
		})
	}
}

// A wall time that occurs twice in the fall-back runs once, at its first
// occurrence. robfig's Next alone fires it twice.
func TestFallBackRunsRepeatedTimeOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tz, expr, from, to string
		want               []string
	}{
		// New York, 2 November 2025: 2:00 EDT → 1:00 EST; 1:30 happens twice.
		{"America/New_York", "30 1 * * *", "2025-11-01T00:00:00Z", "2025-11-04T00:00:00Z",
			[]string{"2025-11-01T05:30:00Z", "2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
		// Berlin, 26 October 2025: 3:00 CEST → 2:00 CET; 2:30 happens twice.
		{"Europe/Berlin", "30 2 * * *", "2025-10-25T00:00:00Z", "2025-10-28T00:00:00Z",
			[]string{"2025-10-25T00:30:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"}},
		// With seconds, every 20 minutes of hour 2 in Berlin: 2:00, 2:20, 2:40 once each.
		{"Europe/Berlin", "0 */20 2 * * *", "2025-10-25T23:00:00Z", "2025-10-26T03:00:00Z",
			[]string{"2025-10-26T00:00:00Z", "2025-10-26T00:20:00Z", "2025-10-26T00:40:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.tz+" "+tc.expr, func(t *testing.T) {
			c := mustCron(t, tc.expr, tc.tz)
			require.Equal(t, tc.want, occurrences(t, c, utc(tc.from), utc(tc.to)))
		})
	}
}

// A schedule created during the second pass of the repeated hour does not
// run a wall time that already passed in the first pass.
func TestFallBackSecondPassDoesNotRepeat(t *testing.T) {
	t.Parallel()
	c := mustCron(t, "30 1 * * *", "America/New_York")
	// 1:15 EST, after 1:30 EDT happened.
	require.Equal(t, utc("2025-11-03T06:30:00Z"), c.Next(utc("2025-11-02T06:15:00Z")))
}

// A cron that runs every hour keeps elapsed time through both changes.
func TestHourlyCronKeepsElapsedTime(t *testing.T) {
	t.Parallel()
	c := mustCron(t, "0 * * * *", "America/New_York")
	require.Equal(t, []string{"2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"},
		occurrences(t, c, utc("2025-03-09T05:30:00Z"), utc("2025-03-09T08:30:00Z")))
	require.Equal(t, []string{"2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z", "2025-11-02T07:00:00Z"},
		occurrences(t, c, utc("2025-11-02T04:30:00Z"), utc("2025-11-02T07:30:00Z")))
	every := mustCron(t, "@every 90s", "Europe/Berlin")
	require.Equal(t, utc("2025-10-26T00:31:30Z"), every.Next(utc("2025-10-26T00:30:00Z")))
}

func TestCronForms(t *testing.T) {
	t.Parallel()
	// Five fields, six fields (seconds), descriptors; in the zone.
	require.Equal(t, utc("2025-06-02T07:00:00Z"), mustCron(t, "0 9 * * MON", "Europe/Berlin").Next(utc("2025-06-01T00:00:00Z")))
	require.Equal(t, utc("2025-06-01T00:00:05Z"), mustCron(t, "*/5 * * * * *", "UTC").Next(utc("2025-06-01T00:00:00Z")))
	require.Equal(t, utc("2025-06-02T04:00:00Z"), mustCron(t, "@daily", "America/New_York").Next(utc("2025-06-01T12:00:00Z")))
	require.Equal(t, utc("2025-06-01T13:00:00Z"), mustCron(t, "@hourly", "UTC").Next(utc("2025-06-01T12:00:00Z")))
}

func TestCronBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, tz, field string }{
		{"61 * * * *", "UTC", "cron"},
		{"not a cron", "UTC", "cron"},
		{"* * * *", "UTC", "cron"},
		{"0 0 30 2 *", "UTC", "cron"},
		{"TZ=Europe/Berlin 0 9 * * *", "UTC", "cron"},
		// Intervals the scheduler cannot keep (robfig/cron would make them 1s).
		{"@every 0s", "UTC", "cron"},
		{"@every 1ms", "UTC", "cron"},
		{"@every -5m", "UTC", "cron"},
		{"@every 1500ms", "UTC", "cron"},
		{"0 9 * * *", "Mars/Phobos", "timezone"},
		{"0 9 * * *", "Local", "timezone"},
		{"0 9 * * *", "../etc/passwd", "timezone"},
	}
	for _, tc := range cases {
		_, err := ParseCron(tc.expr, tc.tz)
		var inv *model.InputError
		require.True(t, errors.As(err, &inv), "%s in %s: %v", tc.expr, tc.tz, err)
		require.Equal(t, tc.field, inv.Field, tc.expr)
	}
}

// Prev is the occurrence before, across a DST change too; LastDue hides an
// occurrence fired ahead and not yet due behind the one before it.
func TestPrevAndLastDue(t *testing.T) {
	t.Parallel()
	c, err := ParseCron("*/15 * * * *", "UTC")
	require.NoError(t, err)
	require.Equal(t, utc("2026-03-01T10:00:00Z"), c.Prev(utc("2026-03-01T10:15:00Z")))
	require.Equal(t, utc("2026-03-01T10:15:00Z"), c.Prev(utc("2026-03-01T10:15:01Z")))
	daily, err := ParseCron("30 2 * * *", "Europe/Berlin") // 02:30 does not exist on 2026-03-29
	require.NoError(t, err)
	require.Equal(t, daily.Next(utc("2026-03-28T12:00:00Z")), daily.Prev(daily.Next(utc("2026-03-29T12:00:00Z"))))
	yearly, err := ParseCron("@yearly", "UTC")
	require.NoError(t, err)
	require.Equal(t, utc("2026-01-01T00:00:00Z"), yearly.Prev(utc("2027-01-01T00:00:00Z")))

	now := utc("2026-03-01T10:14:55Z")
	ahead, due := utc("2026-03-01T10:15:00Z"), utc("2026-03-01T10:00:00Z")
	s := &model.Schedule{Cron: "*/15 * * * *", Timezone: "UTC", CreatedAt: utc("2026-03-01T09:00:00Z"), LastRunAt: &ahead}
	require.Equal(t, due, *LastDue(s, now), "fired ahead: the one before")
	require.Equal(t, ahead, *LastDue(s, ahead), "due now: itself")
	s.CreatedAt = utc("2026-03-01T10:05:00Z")
	require.Nil(t, LastDue(s, now), "the first occurrence, fired ahead: none yet")
}
