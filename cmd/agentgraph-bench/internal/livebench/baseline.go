package livebench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/agentgraph/agentgraph/internal/events"
)

// redisHop measures the Redis hop alone: the same producer publishing at
// the same rate, received by a plain go-redis pattern subscription in this
// process. The websocket figures are read against it: what exceeds it is
// the server's (hub, resolver, gqlgen, websocket write) plus the client's.
func redisHop(ctx context.Context, rdb *redis.Client, prefix string, p *producer, d time.Duration) (Dist, int64, error) {
	ps := rdb.PSubscribe(ctx, prefix+"exec:*")
	defer ps.Close()
	// Wait for Redis to confirm, or the first events would go nowhere.
	if _, err := ps.ReceiveTimeout(ctx, 10*time.Second); err != nil {
		return Dist{}, 0, fmt.Errorf("redis psubscribe: %w", err)
	}
	marker := prefix + "exec:marker-" + randomHex(4)
	samples := make([]time.Duration, 0, int(d.Seconds()*float64(p.rate))+1)
	readerDone := make(chan error, 1)
	go func() {
		for {
			msg, err := ps.Receive(ctx)
			recv := time.Now()
			if err != nil {
				readerDone <- err
				return
			}
			m, ok := msg.(*redis.Message)
			switch {
			case !ok || !strings.HasPrefix(m.Channel, prefix+"exec:"):
				continue
			case m.Channel == marker:
				readerDone <- nil
				return
			}
			evs, err := events.Decode([]byte(m.Payload))
			if err != nil {
				readerDone <- err
				return
			}
			for _, ev := range evs {
				samples = append(samples, recv.Sub(ev.At))
			}
		}
	}()
	sent, err := p.run(ctx, d)
	if err != nil {
		return Dist{}, 0, err
	}
	// Redis delivers in order on one connection: a marker published after
	// the last event arrives after all of them.
	if err := rdb.Publish(ctx, marker, "{}").Err(); err != nil {
		return Dist{}, 0, err
	}
	select {
	case err := <-readerDone:
		if err != nil {
			return Dist{}, 0, fmt.Errorf("redis receive: %w", err)
		}
	case <-time.After(30 * time.Second):
		return Dist{}, 0, fmt.Errorf("redis baseline: marker not received 30s after the last event")
	}
	if int64(len(samples)) != sent {
		return Dist{}, 0, fmt.Errorf("redis baseline: received %d of %d events", len(samples), sent)
	}
	return distOf(samples), sent, nil
}
