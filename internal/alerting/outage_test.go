package alerting_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/alerting"
)

// The five-minute outage of BENCHMARKS.md ("a webhook channel that fails
// for 5 minutes still gets the notification once it recovers"), scaled down
// 200 times and run for real: the evaluator's own loop, Postgres's outbox,
// and a receiver answering 500 for 1.5 s after the rule is stored. The
// delivery is retried throughout and SENT once the receiver is back, the
// same delivery (one idempotency key) from the first attempt to the last.
// retry_test.go checks the unscaled schedule's bound.
func TestAReceiverDownForAWhileGetsTheNotificationOnceBack(t *testing.T) {
	t.Parallel()
	s, _, f := setup(t)
	const down = 1500 * time.Millisecond // 5 minutes / 200
	opts := alerting.Options{Interval: 50 * time.Millisecond, FirstRetryDelay: 5 * time.Millisecond,
		MaxRetryDelay: 300 * time.Millisecond} // 1 s and 1 minute / 200
	var (
		mu        sync.Mutex
		recoverAt time.Time
		keys      = map[string]bool{}
		failed    int
	)
	sent := make(chan time.Time, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		mu.Lock()
		defer mu.Unlock()
		keys[req.Header.Get(alerting.HeaderIdempotencyKey)] = true
		now := time.Now()
		if now.Before(recoverAt) {
			failed++
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		sent <- now
	}))
	t.Cleanup(srv.Close)
	rounds := make(chan struct{}, 1)
	opts.AfterRound = func() {
		select {
		case rounds <- struct{}{}:
		default:
		}
	}
	ev := alerting.New(s, f, &alerting.Notifier{WebhookSecret: secret, AllowPrivateNetwork: true},
		slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	rule(t, s, "down", "queue_size >=", 0, 0, "webhook:"+srv.URL+"/hook")
	mu.Lock()
	recoverAt = time.Now().Add(down)
	mu.Unlock()
	require.NoError(t, ev.Start(context.Background()))
	t.Cleanup(ev.Stop)

	var at time.Time
	select {
	case at = <-sent:
	case <-time.After(60 * time.Second):
		t.Fatal("the receiver never got the notification after it recovered")
	}
	late := at.Sub(recoverAt)
	mu.Lock()
	n := failed
	mu.Unlock()
	t.Logf("%d failed attempts over the %s outage; sent %s after the receiver recovered (schedule bound %s)",
		n, down, late, opts.MaxRetryDelay+opts.Interval)
	require.GreaterOrEqual(t, n, 2, "retried while the receiver was down")
	// The bound under a quiet machine is MaxRetryDelay + Interval; the slack
	// is for a loaded one (the unscaled bound is checked in retry_test.go).
	require.Less(t, late, opts.MaxRetryDelay+opts.Interval+10*time.Second)

	// The outcome is stored in the round's transaction: wait for it.
	evs := events(t, s)
	require.Len(t, evs, 1)
	deadline := time.After(30 * time.Second)
	for deliveries(t, s, evs[0])[0].Status != "SENT" {
		select {
		case <-rounds:
		case <-deadline:
			t.Fatalf("not SENT: %+v", deliveries(t, s, evs[0])[0])
		}
	}
	d := deliveries(t, s, evs[0])[0]
	require.Equal(t, n+1, d.Attempts)
	require.Len(t, keys, 1, "every attempt is the same delivery")
	require.Len(t, sent, 0, "sent once")
}
