// Package schedule fires users' cron schedules: parsing a cron in a time
// zone (robfig/cron's parser, with the daylight-saving rules below), and the
// Scheduler every engine process runs, which turns each due occurrence into
// exactly one queued run.
package schedule

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentgraph/agentgraph/internal/model"
)

// parser accepts the standard five fields, an optional leading seconds
// field, and descriptors (@hourly, @daily, @every 5m, …).
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// allHours is the hour field of a cron that runs every hour.
const allHours = 1<<24 - 1

// Cron is a parsed cron expression in a time zone.
//
// Daylight saving: a cron that names its hours ("30 2 * * *", "@daily")
// describes wall-clock times. A wall time skipped by a spring-forward runs
// once, at the first instant after the gap; a wall time that occurs twice in
// a fall-back runs once, at its first occurrence. robfig's SpecSchedule.Next
// walks absolute hours in the zone, which does neither (it drops the skipped
// time and fires the repeated one twice), so such crons are computed on the
// wall clock (the schedule in UTC, where no time is skipped or repeated) and
// mapped back to the zone here. A cron that runs every hour ("*/5 * * * *",
// "* * * * * *", "@every 10m") describes elapsed time, as Vixie cron does:
// it keeps its rhythm through the change (every minute of the repeated hour
// runs, the skipped hour has nothing to run).
type Cron struct {
	loc     *time.Location
	wall    cron.Schedule // on the wall clock (UTC stands for it), or nil
	elapsed cron.Schedule // in the zone, when wall is nil
}

// ParseCron parses expr for the IANA zone tz. Errors name the field
// ("cron" or "timezone") and say what is wrong.
func ParseCron(expr, tz string) (*Cron, error) {
	loc, err := LoadZone(tz)
	if err != nil {
		return nil, err
	}
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return nil, model.Invalid("cron", "give the time zone in timezone, not in the cron expression")
	}
	if err := checkEvery(expr); err != nil {
		return nil, err
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return nil, model.Invalid("cron", "%q is not a valid cron expression: %v", expr, err)
	}
	c := &Cron{loc: loc}
	spec, ok := s.(*cron.SpecSchedule)
	switch {
	case !ok: // @every: a constant delay, elapsed time by nature
		c.elapsed = s
	case spec.Hour&allHours == allHours:
		z := *spec
		z.Location = loc
		c.elapsed = &z
	default:
		w := *spec
		w.Location = time.UTC
		c.wall = &w
	}
	// A cron that never matches (30 February) has no next time: refuse it
	// rather than store a schedule that never fires.
	if c.Next(time.Now()).IsZero() {
		return nil, model.Invalid("cron", "%q never matches a date", expr)
	}
	return c, nil
}

// checkEvery refuses an "@every" interval the scheduler cannot keep:
// robfig/cron's Every silently makes anything under a second (zero and
// negative ones included) one second and drops a fraction of a second, so
// "@every 0s" would be stored and fire every second. The scheduler's
// granularity is the second (the cron's optional leading field), so the
// interval must be a whole number of seconds, at least one.
func checkEvery(expr string) error {
	rest, ok := strings.CutPrefix(expr, "@every ")
	if !ok {
		return nil // not @every, or malformed: the parser says what is wrong
	}
	d, err := time.ParseDuration(strings.TrimSpace(rest))
	if err != nil {
		return nil
	}
	if d < time.Second || d%time.Second != 0 {
		return model.Invalid("cron", "%q: an @every interval must be a whole number of seconds, at least 1s", expr)
	}
	return nil
}

// LoadZone loads an IANA time zone; "" is UTC.
func LoadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	// time.LoadLocation also accepts "Local" and paths; only IANA names are
	// meaningful to store.
	if tz == "Local" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return nil, model.Invalid("timezone", "%q is not an IANA time zone name", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, model.Invalid("timezone", "%q is not a known IANA time zone", tz)
	}
	return loc, nil
}

// Location is the cron's time zone.
func (c *Cron) Location() *time.Location { return c.loc }

// Next is the first occurrence strictly after t, in UTC (the zero time if
// none within robfig's five-year horizon).
func (c *Cron) Next(t time.Time) time.Time {
	at := c.next(t)
	if at.IsZero() {
		return at
	}
	return at.UTC()
}

func (c *Cron) next(t time.Time) time.Time {
	if c.elapsed != nil {
		return c.elapsed.Next(t.In(c.loc))
	}
	local := t.In(c.loc)
	w := wallOf(local)
	for range 8 { // a few wall times may map at or before t in a fall-back
		w = c.wall.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if at, ok := c.instant(w, t); ok {
			return at
		}
	}
	return time.Time{}
}

// wallOf is t's wall clock as a UTC time (the wall-clock space).
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant maps wall time w to the first instant after t whose wall clock in
// the zone is w; a wall time in a spring-forward gap maps to the end of the
// gap. ok is false when every instant with that wall clock is at or before
// t (the wall time already ran in the first pass of a fall-back).
func (c *Cron) instant(w, t time.Time) (time.Time, bool) {
	// The zone's offsets around w: the same on both sides except across a
	// transition. An instant with wall clock w has one of them.
	probe := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, c.loc)
	var cands []time.Time
	for _, p := range []time.Time{probe.Add(-12 * time.Hour), probe.Add(12 * time.Hour)} {
		_, off := p.Zone()
		at := w.Add(-time.Duration(off) * time.Second).In(c.loc)
		if wallOf(at).Equal(w) {
			cands = append(cands, at)
		}
	}
	if len(cands) == 0 {
		// In the gap: read with the offset from before the gap, w is an
		// instant after it, in the zone that starts where the gap ends.
		_, before := probe.Add(-12 * time.Hour).Zone()
		at := w.Add(-time.Duration(before) * time.Second)
		start, _ := at.In(c.loc).ZoneBounds()
		if start.IsZero() || !start.After(t) {
			return time.Time{}, false
		}
		return start.In(c.loc), true
	}
	best := time.Time{}
	for _, at := range cands {
		if at.After(t) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	// Wall time w already happened at or before t (its first pass): it must
	// not run again on its second pass.
	for _, at := range cands {
		if !at.After(t) {
			return time.Time{}, false
		}
	}
	return best, !best.IsZero()
}

// Prev is the last occurrence strictly before t (the zero time if none in
// the five years before it). Cron expressions only step forward, so it
// looks back over growing spans for one and walks to the last.
func (c *Cron) Prev(t time.Time) time.Time {
	for span := time.Minute; span <= 5*366*24*time.Hour; span *= 4 {
		at := c.Next(t.Add(-span))
		if at.IsZero() || !at.Before(t) {
			continue
		}
		for {
			next := c.Next(at)
			if next.IsZero() || !next.Before(t) {
				return at
			}
			at = next
		}
	}
	return time.Time{}
}

// LastDue is a schedule's last occurrence that is due by now: its
// lastRunAt, unless that is an occurrence fired ahead and not yet due
// (Options.Ahead), then the one before it.
func LastDue(s *model.Schedule, now time.Time) *time.Time {
	if s.LastRunAt == nil || !s.LastRunAt.After(now) {
		return s.LastRunAt
	}
	c, err := ParseCron(s.Cron, s.Timezone)
	if err != nil {
		return nil
	}
	if prev := c.Prev(*s.LastRunAt); !prev.IsZero() && !prev.Before(s.CreatedAt) {
		return &prev
	}
	return nil
}
