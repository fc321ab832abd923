package alerting

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The retry schedule doubles from FirstRetryDelay up to MaxRetryDelay and
// stops only after GiveUpAfter.
func TestRetryScheduleDoublesUpToTheCap(t *testing.T) {
	o := New(nil, nil, nil, nil, Options{}).opts
	var delays []time.Duration
	for a := 1; a <= 9; a++ {
		d, retry := o.retryAfter(a, time.Minute)
		require.True(t, retry)
		delays = append(delays, d)
	}
	s := time.Second
	require.Equal(t, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 60 * s, 60 * s, 60 * s}, delays)
	d, retry := o.retryAfter(1000, 23*time.Hour)
	require.True(t, retry, "still trying after a thousand failures within the day")
	require.Equal(t, time.Minute, d)
	_, retry = o.retryAfter(5, 24*time.Hour+time.Second)
	require.False(t, retry, "given up a day after the event")
}

// "A webhook channel that fails for 5 minutes still gets the notification
// once it recovers": the schedule, played against a receiver down from the
// event on for 5 minutes (and, for every phase of the backoff's cap, up to
// a minute more) with rounds every Interval (the outbox is read once a
// round), keeps the delivery PENDING throughout and reaches the receiver
// within MaxRetryDelay + Interval of its recovery, at ALERT_INTERVAL=1s and
// at the default 30 s.
func TestAReceiverDownForFiveMinutesGetsTheNotificationOnceBack(t *testing.T) {
	for _, interval := range []time.Duration{time.Second, 30 * time.Second} {
		o := New(nil, nil, nil, nil, Options{Interval: interval}).opts
		var worst time.Duration
		attemptsAt5m := 0
		for outage := 5 * time.Minute; outage <= 6*time.Minute; outage += time.Second {
			at, attempts := time.Duration(0), 0 // the event is stored and first sent in round 0
			for ; at < outage; attempts++ {
				delay, retry := o.retryAfter(attempts+1, at)
				require.True(t, retry, "interval %s: gave up after %d attempts, %s after the event", interval, attempts+1, at)
				due := at + delay
				at = (due + interval - 1) / interval * interval // the first round at or after due
			}
			if outage == 5*time.Minute {
				attemptsAt5m = attempts
			}
			worst = max(worst, at-outage)
		}
		t.Logf("ALERT_INTERVAL=%s: %d failed attempts over a 5-minute outage; sent at most %s after the receiver recovered (bound %s)",
			interval, attemptsAt5m, worst, o.MaxRetryDelay+interval)
		require.LessOrEqual(t, worst, o.MaxRetryDelay+interval)
		require.Greater(t, attemptsAt5m, 5)
	}
}
