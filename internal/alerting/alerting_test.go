package alerting_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/alerting"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixed is the metrics a test sets: the rules' input, not a stand-in for
// Postgres (the store is real).
type fixed struct {
	mu sync.Mutex
	m  sysmetrics.Metrics
}

func (f *fixed) Sample(context.Context) (sysmetrics.Metrics, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m, nil
}

func (f *fixed) set(m sysmetrics.Metrics) {
	f.mu.Lock()
	f.m = m
	f.mu.Unlock()
}

// receiver records the POSTs it gets; fail makes it answer 500.
type receiver struct {
	mu    sync.Mutex
	posts []post
	fail  bool
	got   chan struct{}
}

type post struct {
	body            []byte
	signature, idem string
}

func newReceiver(t *testing.T) (*receiver, string) {
	r := &receiver{got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.posts = append(r.posts, post{body, req.Header.Get(alerting.HeaderSignature), req.Header.Get(alerting.HeaderIdempotencyKey)})
		fail := r.fail
		r.mu.Unlock()
		r.got <- struct{}{}
		if fail {
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL + "/hook"
}

func (r *receiver) all() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

var secret = []byte("alert-secret")

func setup(t *testing.T) (*db.Store, *pgxpool.Pool, *fixed) {
	pool, _ := testenv.NewDatabase(t, 4)
	return db.New(pool), pool, &fixed{}
}

func newEvaluator(store *db.Store, f *fixed, n *alerting.Notifier) *alerting.Evaluator {
	if n == nil {
		n = &alerting.Notifier{WebhookSecret: secret, AllowPrivateNetwork: true}
	}
	return alerting.New(store, f, n, slog.New(slog.NewTextHandler(io.Discard, nil)), alerting.Options{Interval: time.Second})
}

func rule(t *testing.T, s *db.Store, name, cond string, thr float64, forDur time.Duration, channels ...string) *db.AlertRule {
	r, err := s.AlertRuleCreate(context.Background(), db.AlertRule{Name: name, Condition: cond, Threshold: thr, Severity: "HIGH",
		IsActive: true, NotificationChannels: channels, For: forDur})
	require.NoError(t, err)
	return r
}

func events(t *testing.T, s *db.Store) []*db.AlertEvent {
	evs, err := s.AlertEvents(context.Background(), 0, 100)
	require.NoError(t, err)
	return evs
}

func deliveries(t *testing.T, s *db.Store, ev *db.AlertEvent) []*db.AlertDelivery {
	ds, err := s.AlertDeliveries(context.Background(), []uuid.UUID{ev.ID})
	require.NoError(t, err)
	return ds[ev.ID]
}

func TestFireResolveAndSignedWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, f := setup(t)
	rcv, url := newReceiver(t)
	rule(t, s, "cpu", "cpu_usage >", 50, 0, "webhook:"+url)
	rule(t, s, "cpu-for-an-hour", "cpu_usage >", 50, time.Hour, "webhook:"+url)
	ev := newEvaluator(s, f, nil)

	f.set(sysmetrics.Metrics{CPUUsage: 90})
	ev.Round(ctx)
	evs := events(t, s)
	require.Len(t, evs, 1, "only the rule without a for duration fires")
	require.Equal(t, "cpu", evs[0].RuleName)
	require.Equal(t, "FIRING", evs[0].State)
	require.Equal(t, 90.0, evs[0].Value)
	posts := rcv.all()
	require.Len(t, posts, 1)
	require.Equal(t, alerting.Sign(secret, posts[0].body), posts[0].signature)
	var p alerting.Payload
	require.NoError(t, json.Unmarshal(posts[0].body, &p))
	require.Equal(t, "cpu", p.Rule)
	require.Equal(t, "FIRING", p.State)
	ds := deliveries(t, s, evs[0])
	require.Len(t, ds, 1)
	require.Equal(t, "SENT", ds[0].Status)
	require.Equal(t, 1, ds[0].Attempts)
	require.Equal(t, ds[0].ID.String(), posts[0].idem)

	rules, err := s.AlertRuleList(ctx)
	require.NoError(t, err)
	require.Equal(t, "PENDING", rules[1].State, "the second rule holds for less than its hour")

	// Still firing: no new event, no new POST.
	ev.Round(ctx)
	require.Len(t, events(t, s), 1)
	require.Len(t, rcv.all(), 1)

	// The hour has passed for the pending rule.
	_, err = pool.Exec(ctx, `UPDATE alert_rules SET pending_since = now() - interval '2 hours' WHERE name = 'cpu-for-an-hour'`)
	require.NoError(t, err)
	ev.Round(ctx)
	evs = events(t, s)
	require.Len(t, evs, 2)
	require.Equal(t, "cpu-for-an-hour", evs[0].RuleName)
	require.Equal(t, "FIRING", evs[0].State)

	// The condition clears: both resolve, each with a notice.
	f.set(sysmetrics.Metrics{CPUUsage: 10})
	ev.Round(ctx)
	evs = events(t, s)
	require.Len(t, evs, 4)
	rest, err := s.AlertEvents(ctx, evs[1].Seq, 10)
	require.NoError(t, err)
	require.Equal(t, evs[2:], rest, "the page after an event: the older ones")
	require.Equal(t, "OK", evs[0].State)
	require.Equal(t, "OK", evs[1].State)
	require.Len(t, rcv.all(), 4)
}

func TestRetriesWithBackoffUntilTheReceiverRecovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, f := setup(t)
	rcv, url := newReceiver(t)
	rcv.fail = true
	rule(t, s, "q", "queue_size >=", 0, 0, "webhook:"+url)
	ev := newEvaluator(s, f, nil)
	ev.Round(ctx)
	e := events(t, s)[0]
	d := deliveries(t, s, e)[0]
	require.Equal(t, "PENDING", d.Status)
	require.Equal(t, 1, d.Attempts)
	require.Contains(t, d.LastError, "500")
	require.WithinDuration(t, time.Now().Add(time.Second), d.NextAttemptAt, 900*time.Millisecond, "first retry after 1 s")

	// Not yet due: nothing is sent.
	ev.Round(ctx)
	require.Len(t, rcv.all(), 1)

	rcv.mu.Lock()
	rcv.fail = false
	rcv.mu.Unlock()
	_, err := pool.Exec(ctx, `UPDATE alert_deliveries SET next_attempt_at = now()`)
	require.NoError(t, err)
	ev.Round(ctx)
	d = deliveries(t, s, e)[0]
	require.Equal(t, "SENT", d.Status)
	require.Equal(t, 2, d.Attempts)
	posts := rcv.all()
	require.Len(t, posts, 2)
	require.Equal(t, posts[0].idem, posts[1].idem, "a retry carries the same idempotency key")
}

func TestPrivateAddressIsAVisibleFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := setup(t)
	rcv, url := newReceiver(t)
	rule(t, s, "q", "queue_size >=", 0, 0, "webhook:"+url)
	newEvaluator(s, f, &alerting.Notifier{WebhookSecret: secret}).Round(ctx)
	d := deliveries(t, s, events(t, s)[0])[0]
	require.Equal(t, "FAILED", d.Status)
	require.Contains(t, d.LastError, "not allowed")
	require.Empty(t, rcv.all())
}

func TestTwoEvaluatorsNotifyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := setup(t)
	rcv, url := newReceiver(t)
	rule(t, s, "q", "queue_size >=", 0, 0, "webhook:"+url)
	a, b := newEvaluator(s, f, nil), newEvaluator(s, f, nil)
	var wg sync.WaitGroup
	for _, e := range []*alerting.Evaluator{a, b, a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); e.Round(ctx) }()
	}
	wg.Wait()
	require.Len(t, events(t, s), 1)
	require.Len(t, rcv.all(), 1)
}

func TestLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := setup(t)
	ok, err := s.LeaseAcquire(ctx, "x", "a", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.LeaseAcquire(ctx, "x", "b", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "held by a")
	ok, err = s.LeaseAcquire(ctx, "x", "a", -time.Second) // renewed, already expired
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.LeaseAcquire(ctx, "x", "b", time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "an expired lease is taken over")
	require.NoError(t, s.LeaseRelease(ctx, "x", "a"), "not a's any more: nothing happens")
	ok, _ = s.LeaseAcquire(ctx, "x", "a", time.Minute)
	require.False(t, ok)
	require.NoError(t, s.LeaseRelease(ctx, "x", "b"))
	ok, _ = s.LeaseAcquire(ctx, "x", "a", time.Minute)
	require.True(t, ok, "released: free at once")
}

// smtpSink is a tiny SMTP server that keeps the messages it accepts.
func smtpSink(t *testing.T) (addr string, msgs chan string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	msgs = make(chan string, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
				say("220 sink")
				var data strings.Builder
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 sink")
					case cmd == "DATA":
						say("354 go on")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
							data.WriteString(l)
						}
						msgs <- data.String()
						say("250 queued")
					case cmd == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return l.Addr().String(), msgs
}

func TestEmailAndSlack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := setup(t)
	addr, msgs := smtpSink(t)
	slack := make(chan map[string]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(req.Body).Decode(&m)
		slack <- m
	}))
	t.Cleanup(srv.Close)
	rule(t, s, "disk", "disk_usage >", 80, 0, "email:ops@example.com", "slack:"+srv.URL)
	f.set(sysmetrics.Metrics{DiskUsage: 95})
	newEvaluator(s, f, &alerting.Notifier{SMTPURL: "smtp://" + addr, From: "alerts@example.com", AllowPrivateNetwork: true}).Round(ctx)
	msg := <-msgs
	require.Contains(t, msg, "To: ops@example.com")
	require.Contains(t, msg, `Subject: [FIRING] HIGH alert "disk"`)
	m := <-slack
	require.Equal(t, `[FIRING] HIGH alert "disk": value 95, threshold 80`, m["text"])
	for _, d := range deliveries(t, s, events(t, s)[0]) {
		require.Equal(t, "SENT", d.Status, d.Channel)
	}
}

func TestRefusingSMTPIsAVisibleFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	rule(t, s, "q", "queue_size >=", 0, 0, "email:ops@example.com")
	newEvaluator(s, f, &alerting.Notifier{SMTPURL: "smtp://" + addr}).Round(ctx)
	d := deliveries(t, s, events(t, s)[0])[0]
	require.Equal(t, "PENDING", d.Status, "retried later")
	require.Contains(t, d.LastError, "refused")
}

func TestLateRunRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, f := setup(t)
	age, err := s.QueuedRunsOldestAge(ctx)
	require.NoError(t, err)
	require.Zero(t, age, "nothing queued")
	ev := alerting.New(s, f, &alerting.Notifier{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		alerting.Options{Interval: time.Hour, QueueAlertAfter: 5 * time.Minute})
	require.NoError(t, ev.Start(ctx))
	ev.Stop()
	f.set(sysmetrics.Metrics{OldestQueuedSeconds: 600})
	ev.Round(ctx)
	evs := events(t, s)
	require.Len(t, evs, 1)
	require.Equal(t, alerting.LateRunRule, evs[0].RuleName)
	require.Equal(t, 300.0, evs[0].Threshold)
	require.NoError(t, s.AlertRuleEnsure(ctx, db.AlertRule{Name: alerting.LateRunRule, Condition: "oldest_queued_seconds >",
		Threshold: 60, Severity: "HIGH"}), "ensuring again updates, never duplicates")
	rules, err := s.AlertRuleList(ctx)
	require.NoError(t, err)
	require.Len(t, rules, 1)
	require.Equal(t, 60.0, rules[0].Threshold)
}

func TestWatch(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, _, f := setup(t)
	rule(t, s, "old", "queue_size >=", 0, 0)
	ev := newEvaluator(s, f, nil)
	ev.Round(ctx) // before the watch: not sent
	last, err := s.AlertEventLastSeq(ctx)
	require.NoError(t, err)
	require.NotZero(t, last)
	ch, err := alerting.Watch(ctx, s, 10*time.Millisecond)
	require.NoError(t, err)
	rule(t, s, "new", "queue_size >=", 0, 0)
	ev.Round(ctx)
	got := <-ch
	require.Equal(t, "new", got.RuleName)
	since, err := s.AlertEventsSince(ctx, 0)
	require.NoError(t, err)
	require.Len(t, since, 2)
}

func TestParseChannel(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"webhook:https://example.com/x", "slack:https://hooks.slack.com/services/T/B/X", "email:ops@example.com"} {
		_, _, err := alerting.ParseChannel(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "webhook:", "webhook:ftp://x", "email:not an address", "pager:123", "https://example.com"} {
		_, _, err := alerting.ParseChannel(bad)
		require.Error(t, err, bad)
	}
}
