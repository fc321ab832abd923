package livebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/internal/events"
)

// maxBatch caps the events one transaction commits. Batching only kicks in
// when a commit takes longer than the gap between events; it keeps the
// producer on rate without changing what is measured (latency starts at the
// commit, as it does for the engine).
const maxBatch = 64

// advanceSQL is the engine's sequence step, for several runs at once: each
// run's last_seq moves by the number of events it gets in this transaction.
const advanceSQL = `UPDATE graph_executions AS ge SET last_seq = ge.last_seq + c.n
FROM unnest($1::uuid[], $2::int[]) AS c(id, n) WHERE ge.id = c.id
RETURNING ge.id, ge.last_seq`

// producer behaves like the engine: commit the sequence number in Postgres,
// then publish the event (stamped with the commit time) to Redis.
type producer struct {
	pool    *pgxpool.Pool
	pub     *events.Publisher
	execs   []execRef
	rate    int
	workers int

	mu    sync.Mutex
	final []int64 // last seq committed per run
}

func newProducer(pool *pgxpool.Pool, pub *events.Publisher, execs []execRef, rate, workers int) *producer {
	return &producer{pool: pool, pub: pub, execs: execs, rate: rate, workers: workers, final: make([]int64, len(execs))}
}

// run produces for d at the configured rate and returns the number of
// events committed and published. Worker w owns the runs i with
// i%workers == w, so each run's events are committed and published in seq
// order by one goroutine, as the engine's single owner of a run does.
func (p *producer) run(ctx context.Context, d time.Duration) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := make([]int64, p.workers)
	errs := make([]error, p.workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range p.workers {
		var own []int
		for i := w; i < len(p.execs); i += p.workers {
			own = append(own, i)
		}
		// Spread the rate exactly: the first rate%workers loops take one more.
		rate := p.rate / p.workers
		if w < p.rate%p.workers {
			rate++
		}
		wg.Go(func() {
			sent[w], errs[w] = p.loop(ctx, own, rate, start, d)
			if errs[w] != nil {
				cancel() // one failed loop ends the run
			}
		})
	}
	wg.Wait()
	var total int64
	for _, n := range sent {
		total += n
	}
	return total, errors.Join(errs...)
}

// loop keeps one worker on its schedule: by time t it has produced
// rate*t events, in batches when it has fallen behind.
func (p *producer) loop(ctx context.Context, own []int, rate int, start time.Time, d time.Duration) (int64, error) {
	if rate == 0 || len(own) == 0 {
		return 0, nil
	}
	var sent int64
	next := 0 // round-robin cursor into own
	total := int64(d) * int64(rate) / int64(time.Second)
	for sent < total {
		due := min(int64(time.Since(start))*int64(rate)/int64(time.Second)+1, total) - sent
		if due <= 0 {
			// Pacing, not synchronisation: wait for the next event's slot.
			at := start.Add(time.Duration((sent) * int64(time.Second) / int64(rate)))
			select {
			case <-time.After(time.Until(at)):
			case <-ctx.Done():
				return sent, ctx.Err()
			}
			continue
		}
		n := int(min(due, maxBatch))
		counts := make(map[int]int, n)
		for range n {
			counts[own[next]]++
			next = (next + 1) % len(own)
		}
		if err := p.commitAndPublish(ctx, counts); err != nil {
			return sent, err
		}
		sent += int64(n)
	}
	return sent, nil
}

// commitAndPublish advances the runs' sequences in one transaction, then
// publishes their events, stamped with the commit time, in one pipeline.
func (p *producer) commitAndPublish(ctx context.Context, counts map[int]int) error {
	ids := make([]uuid.UUID, 0, len(counts))
	ns := make([]int32, 0, len(counts))
	byID := make(map[uuid.UUID]int, len(counts))
	for i, n := range counts {
		ids = append(ids, p.execs[i].id)
		ns = append(ns, int32(n))
		byID[p.execs[i].id] = i
	}
	last := make(map[int]int64, len(counts))
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, advanceSQL, ids, ns)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				return err
			}
			last[byID[id]] = seq
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("commit events: %w", err)
	}
	at := time.Now()
	if len(last) != len(counts) {
		return fmt.Errorf("commit events: %d of %d runs found", len(last), len(counts))
	}
	evs := make([]events.Event, 0, maxBatch)
	for i, seq := range last {
		e := &p.execs[i]
		for s := seq - int64(counts[i]) + 1; s <= seq; s++ {
			evs = append(evs, events.Event{ExecutionID: e.idStr, GraphID: e.graphID, UserID: e.userID, Seq: s,
				Kind: events.KindNodeOutput, NodeID: e.nodeID, NodeExecutionID: e.nodeExecutionID, Pin: "output",
				Value: json.RawMessage(`{"n":` + strconv.FormatInt(s, 10) + `}`), At: at})
		}
	}
	p.mu.Lock()
	for i, seq := range last {
		p.final[i] = seq
	}
	p.mu.Unlock()
	return p.pub.Publish(ctx, evs...)
}

// lastSeqs is each run's last committed seq.
func (p *producer) lastSeqs() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int64(nil), p.final...)
}
