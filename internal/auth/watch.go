package auth

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// A websocket is authenticated once, at connection_init, and then streams
// for as long as it stays open. Revoking its key or deactivating its user
// must stop that at once too (the schema's revokeAPIKey and User.isActive
// promise it), so an open connection is watched: when a change to its user
// is notified (ChannelAuthChanged, followed by FollowChanges) its token is
// checked again, and the connection is revoked if the token no longer
// authenticates or its user's role changed (its operations were authorized
// under the old role). Only the changed user's connections are checked, one
// read per distinct token, off the listener's goroutine.
type watchers struct {
	mu     sync.Mutex
	byUser map[uuid.UUID]map[*watch]struct{}
	// checks counts the rechecks begun (the changes noticed). A change
	// committed after a connection's credential was read, and noticed
	// before the connection was watched, finds nothing to check: Watch
	// sees the count moved and checks that connection itself.
	checks atomic.Uint64
}

// watch is one open connection's credential.
type watch struct {
	token  string
	role   model.Role
	perms  []string
	scoped bool
	revoke func()
}

// Watch watches the credential that authenticated ctx's caller (WithToken's
// or Middleware's context: a websocket's connection_init token, else its
// upgrade request's Authorization header): revoke is called when a change
// makes the token stop working, or changes the caller's role. It returns
// what ends the watch. An anonymous connection has nothing to watch. The
// checks run only while FollowChanges runs.
func (a *Authenticator) Watch(ctx context.Context, revoke func()) (stop func()) {
	s, _ := ctx.Value(ctxKey{}).(*state)
	if s == nil || s.user == nil || s.token == "" {
		return func() {}
	}
	w := &watch{token: s.token, role: s.user.Role, perms: s.perms, scoped: s.scoped, revoke: revoke}
	id := s.user.ID
	a.watch.mu.Lock()
	if a.watch.byUser == nil {
		a.watch.byUser = map[uuid.UUID]map[*watch]struct{}{}
	}
	if a.watch.byUser[id] == nil {
		a.watch.byUser[id] = map[*watch]struct{}{}
	}
	a.watch.byUser[id][w] = struct{}{}
	// Read under mu, which recheck holds while it bumps the count and
	// collects the watches: a recheck either found w or moved the count
	// before this read.
	missed := a.watch.checks.Load() != s.checks
	a.watch.mu.Unlock()
	if missed {
		go a.check(ctx, []*watch{w})
	}
	return func() {
		a.watch.mu.Lock()
		defer a.watch.mu.Unlock()
		delete(a.watch.byUser[id], w)
		if len(a.watch.byUser[id]) == 0 {
			delete(a.watch.byUser, id)
		}
	}
}

// recheck checks again the watched tokens of the user a notification
// names (payload; unreadable, or all: every watched token). It returns at
// once; the reads run on their own goroutine.
func (a *Authenticator) recheck(ctx context.Context, payload string, all bool) {
	id, err := uuid.Parse(payload)
	all = all || err != nil
	a.watch.mu.Lock()
	a.watch.checks.Add(1)
	var ws []*watch
	for uid, set := range a.watch.byUser {
		if !all && uid != id {
			continue
		}
		for w := range set {
			ws = append(ws, w)
		}
	}
	a.watch.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	go a.check(ctx, ws)
}

// check authenticates the watched connections' tokens again and revokes
// those that no longer authenticate as they did.
func (a *Authenticator) check(ctx context.Context, ws []*watch) {
	// One read per distinct token: a client's many connections on one key
	// cost one check.
	type result struct {
		s   *state
		err error
	}
	seen := map[string]result{}
	for _, w := range ws {
		r, ok := seen[w.token]
		if !ok {
			_, r.s, r.err = a.authenticate(ctx, w.token)
			seen[w.token] = r
		}
		switch {
		case errors.Is(r.err, model.ErrUnauthenticated):
			w.revoke()
		case r.err != nil:
			// The store failed, not the credential: keep the connection;
			// the next change checks again.
			if ctx.Err() == nil {
				slog.Default().Warn("auth: could not check an open connection's credential again", "err", r.err)
			}
		case r.s.user.Role != w.role || r.s.scoped != w.scoped || !slices.Equal(r.s.perms, w.perms):
			w.revoke()
		}
	}
}
