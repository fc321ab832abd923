package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// keyCache keeps the API keys this process resolved, so a client's requests
// do not each read its key and user (one statement of every executeGraph,
// before). An entry is used only while it cannot be stale:
//   - entries are kept only while the cache follows ChannelAuthChanged (a
//     trigger sends it at the commit of any change to a user or key but the
//     once-a-minute touches), and a notification drops the user's entries;
//     when the listening connection is lost the cache empties and keeps
//     nothing until it listens again;
//   - a write to a user or key that this process made (db.Store.AuthChanges)
//     empties it before the next request here, without waiting for the
//     notification;
//   - a read that overlapped either is not kept (gen).
//
// Another process's change (a revocation, a deactivation, a role) therefore
// takes effect here when its notification arrives, milliseconds after its
// commit. Entries also expire after keyCacheTTL, a bound should anything
// else be missed.
type keyCache struct {
	mu      sync.Mutex
	live    bool   // following the notifications
	gen     uint64 // bumped whenever entries are dropped
	changes uint64 // the store's AuthChanges when last looked at
	byHash  map[[32]byte]*keyEntry
	byUser  map[uuid.UUID][][32]byte
}

// keyEntry is one resolved key and when it was read. The principal's times
// (the key's last use, its user's last login) move forward here when a
// request touches them, so the touches stay at most one a minute.
type keyEntry struct {
	p    db.APIKeyPrincipal
	user model.User
	read time.Time
}

const keyCacheTTL = time.Minute

// keyCacheMax bounds the keys kept: an entry not used again is dropped only
// by a change or by emptying the cache, which a full cache does.
const keyCacheMax = 10000

// touchEvery is how often a key's last use and its user's last login are
// written (the queries' own condition, too).
const touchEvery = time.Minute

// lookup returns a copy of the principal kept for hash, if any, and
// whether the request must touch the key's last use. The copy shows the
// key's and the user's times as they were; the entry's move to now when
// they are due a touch, which this request makes (resolve touches the
// user's last login as for any caller). changes is the store's AuthChanges.
func (c *keyCache) lookup(hash [32]byte, changes uint64) (p *db.APIKeyPrincipal, touchKey bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncLocked(changes)
	e := c.byHash[hash]
	if e == nil {
		return nil, false
	}
	now := time.Now()
	if now.Sub(e.read) > keyCacheTTL {
		c.dropLocked(hash, e)
		return nil, false
	}
	out := e.p
	u := e.user // each request its own user: resolvers may change theirs
	out.User = &u
	if due(e.p.LastUsedAt, now) {
		e.p.LastUsedAt, touchKey = &now, true
	}
	if due(e.user.LastLoginAt, now) {
		e.user.LastLoginAt = &now
	}
	return &out, touchKey
}

// due reports whether a last-use time is to be written again.
func due(last *time.Time, now time.Time) bool { return last == nil || now.Sub(*last) > touchEvery }

// generation is what a read about to start passes to keep: entries dropped
// meanwhile make its result unfit to keep.
func (c *keyCache) generation(changes uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncLocked(changes)
	return c.gen
}

// keep stores what a read that started at generation gen found, unless
// entries were dropped since or the cache is not following the
// notifications.
func (c *keyCache) keep(hash [32]byte, p *db.APIKeyPrincipal, gen, changes uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncLocked(changes)
	if !c.live || gen != c.gen {
		return
	}
	if len(c.byHash) >= keyCacheMax {
		c.clearLocked()
	}
	if c.byHash == nil {
		c.byHash, c.byUser = map[[32]byte]*keyEntry{}, map[uuid.UUID][][32]byte{}
	}
	if old := c.byHash[hash]; old != nil {
		c.dropLocked(hash, old)
	}
	e := &keyEntry{p: *p, user: *p.User, read: time.Now()}
	e.p.User = nil
	c.byHash[hash] = e
	c.byUser[e.user.ID] = append(c.byUser[e.user.ID], hash)
}

// syncLocked empties the cache when this process changed a user or key
// since it last looked.
func (c *keyCache) syncLocked(changes uint64) {
	if changes != c.changes {
		c.changes = changes
		c.clearLocked()
	}
}

func (c *keyCache) clearLocked() {
	c.byHash, c.byUser = nil, nil
	c.gen++
}

func (c *keyCache) dropLocked(hash [32]byte, e *keyEntry) {
	delete(c.byHash, hash)
	hs := c.byUser[e.user.ID]
	for i, h := range hs {
		if h == hash {
			hs = append(hs[:i], hs[i+1:]...)
			break
		}
	}
	if len(hs) == 0 {
		delete(c.byUser, e.user.ID)
	} else {
		c.byUser[e.user.ID] = hs
	}
}

// changed drops the entries of user (a notification's payload; unreadable:
// every entry).
func (c *keyCache) changed(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	id, err := uuid.Parse(payload)
	if err != nil {
		c.clearLocked()
		return
	}
	for _, h := range c.byUser[id] {
		delete(c.byHash, h)
	}
	delete(c.byUser, id)
}

// setLive starts or stops keeping entries; either way the cache starts
// empty: notifications may have been missed while not listening.
func (c *keyCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.clearLocked()
}

// Following reports whether FollowChanges listens now: from then on a
// change's notification reaches the kept keys and the watched connections
// (a process's readiness need not wait for it; tests do).
func (a *Authenticator) Following() bool {
	a.keys.mu.Lock()
	defer a.keys.mu.Unlock()
	return a.keys.live
}

// FollowChanges lets the Authenticator keep the API keys it resolved,
// for as long as it runs: it LISTENs on db.ChannelAuthChanged and drops
// what a change makes stale (keyCache), and has the changed user's open
// websockets check their token again (watch.go). It returns when ctx ends; a lost
// connection is listened on again after a pause, nothing kept meanwhile.
func (a *Authenticator) FollowChanges(ctx context.Context) {
	for ctx.Err() == nil {
		l, err := a.Store.Listen(ctx, db.ChannelAuthChanged)
		if err == nil {
			a.keys.setLive(true)
			// Changes made while not listening were missed: every watched
			// connection is checked again.
			a.recheck(ctx, "", true)
			for {
				_, payload, werr := l.Wait(ctx)
				if werr != nil {
					err = werr
					break
				}
				a.keys.changed(payload) // first: the checks must not find the entry
				a.recheck(ctx, payload, false)
			}
			a.keys.setLive(false)
			l.Close()
		}
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}
