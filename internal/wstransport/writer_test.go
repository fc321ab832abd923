package wstransport_test

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// TestConcurrentEmittersKeepOrderAndLoseNothing floods one connection from
// many operation goroutines at once (each resolver fed by its own
// goroutine) while the reader answers pings, with a small queue so writers
// hand over, the queue fills and wraps: every operation's results arrive
// complete and in order, and every ping gets its pong.
func TestConcurrentEmittersKeepOrderAndLoseNothing(t *testing.T) {
	t.Parallel()
	const subs, events, pings = 16, 200, 50
	url, b, _ := newServer(t, wstransport.Config{SendBuffer: 8, OverflowGrace: 10 * time.Second}) // order is checked here, not eviction: a reader stalled by a loaded machine must not be evicted
	c := dialTWS(t, url)
	joined := make([]*subscriber, subs)
	for i := range subs {
		c.subscribe("subscribe", strconv.Itoa(i), "subscription { events }")
		joined[i] = b.waitJoined(t)
	}
	msgs, _ := readAll(c.ws)

	var wg sync.WaitGroup
	for _, s := range joined {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range events {
				select {
				case s.ch <- strconv.Itoa(k):
				case <-s.ctx.Done():
					return
				}
			}
		}()
	}
	for range pings {
		c.send(`{"type":"ping"}`)
	}

	seq := map[string]int{}
	received, pongs := 0, 0
	for received < subs*events || pongs < pings {
		m := next(t, msgs)
		switch m.Type {
		case "pong":
			pongs++
		case "next":
			var p struct{ Data struct{ Events string } }
			require.NoError(t, json.Unmarshal(m.Payload, &p))
			require.Equal(t, strconv.Itoa(seq[m.ID]), p.Data.Events, "operation %s out of order", m.ID)
			seq[m.ID]++
			received++
		default:
			t.Fatalf("unexpected %s message: %s", m.Type, m.Payload)
		}
	}
	wg.Wait()
	require.Len(t, seq, subs)
	for id, n := range seq {
		require.Equal(t, events, n, "operation %s", id)
	}
	require.Equal(t, subs, b.count(), "no operation was dropped")
}

// Keep-alives start with connection_ack, never before it (InitTimeout
// guards that phase), and never overtake it.
func TestKeepAliveStartsAfterAck(t *testing.T) {
	t.Parallel()
	const interval = 30 * time.Millisecond
	url, _, _ := newServer(t, wstransport.Config{KeepAlive: interval})

	c := dial(t, url, "graphql-transport-ws")
	// Absence can only be shown by waiting: several intervals pass before
	// init, and the first message is still the answer to our ping.
	time.Sleep(5 * interval)
	c.send(`{"type":"ping"}`)
	c.expect("pong", "")
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack", "")
	c.expect("ping", "")

	legacy := dial(t, url, "graphql-ws")
	time.Sleep(5 * interval)
	legacy.send(`{"type":"connection_init"}`)
	legacy.expect("connection_ack", "")
	legacy.expect("ka", "") // sent with the ack: apollo clients arm on it
	legacy.expect("ka", "") // then from the timer
	legacy.expect("ka", "")
}

// TestStuckWriterOperationIsEvicted covers a slow consumer whose only
// operation is the goroutine stuck writing to it: nobody else finds the
// queue full, so the write's own bound must evict it, well before
// WriteTimeout, and the resolver's channel keeps being drained.
func TestStuckWriterOperationIsEvicted(t *testing.T) {
	t.Parallel()
	logs := &logRecorder{}
	url, b, _ := newServer(t, wstransport.Config{WriteTimeout: time.Minute, Logger: slog.New(logs)})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "s", "subscription { events }")
	sub := b.waitJoined(t)
	big := strings.Repeat("x", 32<<10) // allowed 100ms + 250ms at minBandwidth
	for i := 0; sub.ctx.Err() == nil; i++ {
		require.Less(t, i, 5000, "never evicted")
		select {
		case sub.ch <- big:
		case <-sub.ctx.Done():
		case <-time.After(time.Second):
			t.Fatalf("resolver channel not drained for a second (event %d)", i)
		}
	}
	require.True(t, logs.has("slow consumer"))
}
