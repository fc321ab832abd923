package events

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// ownCopies recognises the deltas this process's Publisher handed to its
// hub's subscribers itself (Publisher.DeliverDeltasLocally) when Redis sends
// them back: the hub's pattern subscription brings every message of the
// deployment to every process, its own included, and each such copy was
// decoded only to be dropped by the run stream (by its offset), or handed a
// second time to a subscriber of the execution's channel. A message is known
// by a hash of its channel and payload, registered before it is sent, so its
// copy cannot arrive first. One whose copy never comes (a failed PUBLISH, a
// hub not subscribed) is forgotten after one to two ownCopyTTL. Two
// publishers never send the same bytes on a channel (a delta carries its
// node execution, offset and time), and if they did, the copy dropped would
// be of a delta handed over already.
//
// Nothing here changes the wire: other processes, of any version, read the
// same messages as before.
type ownCopies struct {
	seed    maphash.Seed
	pending atomic.Int64 // entries in cur and prev: while 0 the reader hashes nothing

	mu      sync.Mutex
	cur     map[uint64]int // hash → copies expected, registered since rotated
	prev    map[uint64]int // the generation before
	rotated time.Time
}

// ownCopyTTL is how long a copy is waited for at least (Redis sends one
// back within milliseconds unless it is down).
const ownCopyTTL = 30 * time.Second

func newOwnCopies() *ownCopies {
	return &ownCopies{seed: maphash.MakeSeed(), cur: map[uint64]int{}, prev: map[uint64]int{}, rotated: time.Now()}
}

// hash is the key of a message read from Redis: its channel and payload.
func (o *ownCopies) hash(channel, payload string) uint64 {
	return maphash.String(o.seed, payload) ^ maphash.String(o.seed, channel)*31
}

// hashSent is hash for a message about to be sent, its payload as bytes:
// maphash hashes the same bytes alike whichever way they come.
func (o *ownCopies) hashSent(channel string, payload []byte) uint64 {
	return maphash.Bytes(o.seed, payload) ^ maphash.String(o.seed, channel)*31
}

// expect registers a message about to be published on channel.
func (o *ownCopies) expect(channel string, payload []byte) {
	h := o.hashSent(channel, payload)
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.Sub(o.rotated) >= ownCopyTTL {
		o.pending.Add(-int64(sum(o.prev)))
		o.prev, o.cur, o.rotated = o.cur, make(map[uint64]int, len(o.cur)), now
	}
	o.cur[h]++
	o.pending.Add(1)
}

// take reports whether a message read from Redis is the copy of one
// registered, and forgets it if so.
func (o *ownCopies) take(channel, payload string) bool {
	if o.pending.Load() == 0 {
		return false
	}
	h := o.hash(channel, payload)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range []map[uint64]int{o.cur, o.prev} {
		if n := m[h]; n > 0 {
			if n == 1 {
				delete(m, h)
			} else {
				m[h] = n - 1
			}
			o.pending.Add(-1)
			return true
		}
	}
	return false
}

func sum(m map[uint64]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}
