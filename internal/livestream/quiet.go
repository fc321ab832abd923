package livestream

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// quietBatch is the most runs one quiet-check statement reads.
const quietBatch = 1000

// quietChecks batches the quiet checks of a process's run streams. A
// stream whose quiet period ran out joins pending; one goroutine, started
// when there is something to check, waits a tenth of the quiet period for
// others to join, then reads all their runs in one statement
// (ExecutionsByIDs) and settles each. The check is a safety net on a
// period of seconds, so the wait costs nothing users see, and it makes
// many silent streams cheap: 2,000 subscribers of runs waiting on a model
// were 2,000 statements every quiet period (about 8% of the server's CPU
// in issue 12's bench), now a handful.
type quietChecks struct {
	s       *Streams
	gather  time.Duration
	mu      sync.Mutex
	pending []*run
	running bool
}

func newQuietChecks(s *Streams) *quietChecks {
	return &quietChecks{s: s, gather: s.quiet / 10}
}

// add queues r's check.
func (q *quietChecks) add(r *run) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, r)
	if !q.running {
		q.running = true
		go q.loop()
	}
}

// loop checks batches until none is pending.
func (q *quietChecks) loop() {
	for {
		time.Sleep(q.gather)
		q.mu.Lock()
		batch := q.pending
		q.pending = nil
		if len(batch) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		for len(batch) > 0 {
			n := min(len(batch), quietBatch)
			q.check(batch[:n])
			batch = batch[n:]
		}
	}
}

// check reads the runs of streams in one statement and settles each
// stream's check with what it read.
func (q *quietChecks) check(streams []*run) {
	lasts := make([]int64, len(streams))
	ids := make([]uuid.UUID, 0, len(streams))
	for i, r := range streams {
		var ok bool
		if lasts[i], ok = r.quietBegin(); ok {
			ids = append(ids, r.id)
		} else {
			streams[i] = nil
		}
	}
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	runs, err := q.s.store.ExecutionsByIDs(ctx, ids)
	cancel()
	byID := make(map[uuid.UUID]*model.GraphExecution, len(runs))
	for _, e := range runs {
		byID[e.ID] = e
	}
	for i, r := range streams {
		if r != nil {
			r.quietEnd(lasts[i], byID[r.id], err)
		}
	}
}
