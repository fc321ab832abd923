package wstransport_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// readAll reads messages on its own goroutine (require must stay on the
// test goroutine) until the connection fails.
func readAll(ws *websocket.Conn) (<-chan msg, <-chan error) {
	msgs, errc := make(chan msg, 1024), make(chan error, 1)
	_ = ws.SetReadDeadline(time.Time{}) // clear deadlines left by earlier reads
	go func() {
		defer close(msgs)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				errc <- err
				return
			}
			var m msg
			if err := json.Unmarshal(data, &m); err != nil {
				errc <- err
				return
			}
			msgs <- m
		}
	}()
	return msgs, errc
}

func next(t *testing.T, msgs <-chan msg) msg {
	t.Helper()
	select {
	case m, ok := <-msgs:
		require.True(t, ok, "connection ended")
		return m
	case <-time.After(waitTimeout):
		t.Fatal("no message within timeout")
		return msg{}
	}
}

func TestTenThousandSubscribesStayBounded(t *testing.T) {
	t.Parallel()
	const limit, total = 100, 10_000
	url, b, _ := newServer(t, wstransport.Config{MaxSubscriptions: limit})
	c := dialTWS(t, url)
	msgs, _ := readAll(c.ws)
	goroutinesBefore := runtime.NumGoroutine()

	done := make(chan struct{})
	var refused, other int
	var peakGoroutines int
	go func() {
		defer close(done)
		for m := range msgs {
			switch {
			case m.Type == "pong":
				return
			case m.Type == "error" && strings.Contains(string(m.Payload), "too many concurrent operations (max 100)"):
				refused++
				if refused%1000 == 0 {
					peakGoroutines = max(peakGoroutines, runtime.NumGoroutine())
				}
			default:
				other++
			}
		}
	}()
	for i := range total {
		c.subscribe("subscribe", strconv.Itoa(i), "subscription { events }")
	}
	c.send(`{"type":"ping"}`)
	select {
	case <-done:
	case <-time.After(4 * waitTimeout):
		t.Fatal("subscribes were not all answered")
	}

	require.Equal(t, total-limit, refused)
	require.Zero(t, other)
	require.Equal(t, limit, b.count())
	require.LessOrEqual(t, b.maxInFlight.Load(), int64(limit))
	// One goroutine per admitted operation, not per subscribe message. The
	// slack absorbs other tests running in parallel.
	require.Less(t, peakGoroutines-goroutinesBefore, 1000)

	// The connection is alive and all admitted subscriptions still deliver.
	b.publish(t, "ev", waitTimeout)
	for range limit {
		m := next(t, msgs)
		require.Equal(t, "next", m.Type)
	}
}

// logRecorder is a slog.Handler that keeps messages for assertions.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}

func (l *logRecorder) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

func TestSlowConsumerIsDroppedOthersUnaffected(t *testing.T) {
	t.Parallel()
	logs := &logRecorder{}
	// A long WriteTimeout proves eviction does not wait for it.
	url, b, _ := newServer(t, wstransport.Config{SendBuffer: 4, WriteTimeout: time.Minute, Logger: slog.New(logs)})

	slow := dialTWS(t, url)
	slow.subscribe("subscribe", "s", "subscription { events }")
	slowSub := b.waitJoined(t)

	fast := dialTWS(t, url)
	fast.subscribe("subscribe", "f", "subscription { events }")
	b.waitJoined(t)
	fastMsgs, _ := readAll(fast.ws)

	// The slow client never reads; kernel buffers absorb a few MB, then its
	// queue overflows. Throughout, the producer must never block (publish
	// fails the test if it does) and the fast client gets every event
	// promptly.
	big := strings.Repeat("x", 64<<10)
	const promptly = 2 * time.Second
	start := time.Now()
	i := 0
	for ; slowSub.ctx.Err() == nil; i++ {
		require.Less(t, i, 5000, "slow consumer was never dropped")
		// Blocked on the slow client would be its WriteTimeout, a minute;
		// 10 s only leaves room for a machine loaded by parallel tests (1 s
		// was once missed under load 15 with -race).
		b.publish(t, big, 10*time.Second)
		select {
		case m := <-fastMsgs:
			require.Equal(t, "next", m.Type)
		case <-time.After(promptly):
			t.Fatalf("fast client starved at event %d", i)
		}
	}
	t.Logf("slow consumer dropped after %d events (%v)", i, time.Since(start))
	require.True(t, logs.has("slow consumer"))

	b.publish(t, "after", time.Second)
	select {
	case m := <-fastMsgs:
		require.JSONEq(t, `{"data":{"events":"after"}}`, string(m.Payload))
	case <-time.After(promptly):
		t.Fatal("fast client starved after the eviction")
	}

	// The slow client finds its connection gone once it reads again.
	_, slowErr := readAll(slow.ws)
	select {
	case err := <-slowErr:
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "unexpected timeout: %v", err)
	case <-time.After(4 * waitTimeout): // the close waits on the kernel's buffers of a client that reads again: slow on a loaded machine
		t.Fatal("slow client's connection was not closed")
	}
}
