package wstransport

import (
	"encoding/json"
	"hash/maphash"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// resultCache shares rendered results between operations. When a run is
// followed by many subscribers, each event is rendered by gqlgen once per
// distinct operation (query, operation name, variables) and viewer instead
// of once per subscriber: on a busy server that rendering and its garbage
// are most of the CPU spent per frame. Entries are keyed by the Frame's Key
// (the shared event), which the cache keeps reachable, so a key is never
// recycled while cached, and by its Viewer: what a resolver renders may
// depend on who asks, so two viewers never share bytes. It holds the most
// recent renderings: subscribers of one event ask within milliseconds of
// each other. It is a table of resultCacheSize slots, each key in the slot
// its hash picks, the newest rendering there taking it over: a lookup is a
// hash and a comparison, where a map's inserts and deletes (a frame each,
// with tombstones to probe past) took 4% of serve's CPU in the
// api bench, whose runs each have one subscriber and never share.
type resultCache struct {
	seed  maphash.Seed
	mu    sync.Mutex
	slots []cacheSlot
}

type cacheSlot struct {
	k resultKey
	r *rendering // nil: empty
}

type resultKey struct {
	shape  string // the operation: query, name and variables
	viewer string // who it is rendered for (Frame.Viewer)
	key    any    // the value (Frame.Key)
}

// rendering is one shared result: the first operation to ask renders it,
// the others wait for done (a few microseconds) instead of rendering it too.
// data nil after done: not shareable (an error, or the render failed).
type rendering struct {
	done chan struct{}
	data []byte
}

const resultCacheSize = 1024

func newResultCache() *resultCache {
	return &resultCache{seed: maphash.MakeSeed(), slots: make([]cacheSlot, resultCacheSize)}
}

// shapeHash is the hash of an operation's shape (shapeOf), which claim
// takes with the key: an operation hashes its shape, a few hundred bytes
// of query and variables, once instead of for every frame.
func (c *resultCache) shapeHash(shape string) uint64 { return maphash.String(c.seed, shape) }

// claim returns k's rendering; owner means the caller must render it and
// call fill, whatever happens. shapeHash is c.shapeHash(k.shape).
func (c *resultCache) claim(k resultKey, shapeHash uint64) (r *rendering, owner bool) {
	h := maphash.Comparable(c.seed, k.key) ^ shapeHash ^ maphash.String(c.seed, k.viewer)*31
	s := &c.slots[h%uint64(len(c.slots))]
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.r != nil && s.k == k {
		return s.r, false
	}
	r = &rendering{done: make(chan struct{})}
	*s = cacheSlot{k: k, r: r}
	return r, true
}

// filled reports whether fill was called.
func (r *rendering) filled() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// fill publishes the owner's result (nil: not shareable) to the waiters.
func (r *rendering) fill(data []byte) {
	r.data = data
	close(r.done)
}

// shapeOf identifies what an operation renders: its document, the
// operation chosen and its variables (encoding/json sorts map keys, so
// equal variables encode equally). "" means do not share (the variables
// did not encode).
func shapeOf(rc *graphql.OperationContext) string {
	vars, err := json.Marshal(rc.Variables)
	if err != nil {
		return ""
	}
	return rc.RawQuery + "\x00" + rc.OperationName + "\x00" + string(vars)
}
