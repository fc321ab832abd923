package events

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkHubFanout measures publish→receive through Redis to N local
// subscribers of one execution. One op is one event delivered to all N:
// batch=1 is the round-trip latency of a single event, batch=64 the per-event
// cost when the engine publishes a pipelined batch (throughput).
func BenchmarkHubFanout(b *testing.B) {
	for _, subs := range []int{1, 16, 256} {
		for _, batch := range []int{1, 64} {
			b.Run(fmt.Sprintf("subs=%d/batch=%d", subs, batch), func(b *testing.B) {
				benchFanout(b, subs, batch)
			})
		}
	}
}

func benchFanout(b *testing.B, nsubs, batch int) {
	f := newFixture(b, HubOptions{Buffer: 2 * batch})
	subs := make([]*Subscription, nsubs)
	for i := range subs {
		subs[i] = f.hub.SubscribeExecution("e1")
	}
	events := make([]Event, batch)
	for i := range events {
		events[i] = ev("e1", "g1", int64(i))
	}
	ctx := context.Background()
	timeout := time.NewTimer(time.Hour)
	defer timeout.Stop()

	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		n := min(batch, b.N-sent)
		if err := f.pub.Publish(ctx, events[:n]...); err != nil {
			b.Fatal(err)
		}
		for _, s := range subs {
			for range n {
				timeout.Reset(waitTimeout)
				select {
				case <-s.C:
				case <-s.Resync:
					b.Fatal("subscriber fell behind")
				case <-timeout.C:
					b.Fatal("timed out")
				}
			}
		}
		sent += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*nsubs)/b.Elapsed().Seconds(), "deliveries/s")
	if d := f.hub.Dropped(); d != 0 {
		b.Fatalf("%d events dropped", d)
	}
}

// BenchmarkPublish is one commit's Publish for a wide fan-out: 1,000
// events of 10 executions, interleaved, with a run's status event each.
// One op is the whole call (Redis round trip included); allocations are
// what it costs the engine beyond the encoding itself.
func BenchmarkPublish(b *testing.B) {
	f := newStoppedFixture(b, HubOptions{})
	var events []Event
	for i := range 1000 {
		e := ev(fmt.Sprintf("e%d", i%10), "g1", int64(i/10+1))
		if i < 10 {
			e.Kind, e.Status = KindGraphStatus, "RUNNING"
		}
		events = append(events, e)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := f.pub.Publish(ctx, events...); err != nil {
			b.Fatal(err)
		}
	}
}
