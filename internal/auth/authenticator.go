package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Authenticator resolves bearer tokens against the store. A JWT's user is
// read afresh by every request; an API key's too, unless FollowChanges runs,
// which lets it keep the keys it resolved for as long as nothing changes them
// (keycache.go), and checks open websockets' tokens again when their user
// changes (watch.go). Either way a deactivated user's tokens stop working at
// once.
type Authenticator struct {
	Store *db.Store
	JWT   JWTConfig
	keys  keyCache
	watch watchers // open websockets' credentials (watch.go)
}

// Authenticate returns the active user a token belongs to.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (*model.User, error) {
	u, _, err := a.authenticate(ctx, token)
	return u, err
}

// WithToken authenticates token and returns ctx carrying the caller and,
// for a scoped API key, its permissions.
func (a *Authenticator) WithToken(ctx context.Context, token string) (context.Context, error) {
	_, s, err := a.authenticate(ctx, token)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, ctxKey{}, s), nil
}

// authenticate returns the active user a token belongs to and the state to
// carry in the context.
func (a *Authenticator) authenticate(ctx context.Context, token string) (*model.User, *state, error) {
	checks := a.watch.checks.Load() // before the read: see Watch
	u, s, err := a.resolve(ctx, token)
	if err != nil {
		return nil, &state{err: err}, err
	}
	s.user, s.checks, s.token = u, checks, token
	return u, s, nil
}

func (a *Authenticator) resolve(ctx context.Context, token string) (*model.User, *state, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, nil, model.ErrUnauthenticated
	}
	var user *model.User
	st := &state{}
	if IsAPIKey(token) {
		p, err := a.apiKey(ctx, token)
		if err != nil {
			return nil, nil, err
		}
		user = p.User
		st.perms, st.scoped = p.Permissions, p.Permissions != nil
	} else {
		id, err := a.JWT.Verify(token)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", model.ErrUnauthenticated, err)
		}
		u, err := a.Store.UserGet(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil, fmt.Errorf("%w: unknown user", model.ErrUnauthenticated)
		}
		if err != nil {
			return nil, nil, err
		}
		user = u
	}
	if !user.IsActive {
		return nil, nil, fmt.Errorf("%w: this account is deactivated", model.ErrUnauthenticated)
	}
	// Written at most once a minute per user (the query's condition).
	if due(user.LastLoginAt, time.Now()) {
		if a.Store.UserTouchLogin(ctx, user.ID) == nil {
			now := time.Now()
			user.LastLoginAt = &now
		}
	}
	return user, st, nil
}

// apiKey resolves a key to its principal, kept or read. Like lastLoginAt,
// its last use is written at most once a minute, with no statement at all
// on the requests in between.
func (a *Authenticator) apiKey(ctx context.Context, token string) (*db.APIKeyPrincipal, error) {
	var hash [32]byte
	copy(hash[:], HashAPIKey(token))
	if p, touch := a.keys.lookup(hash, a.Store.AuthChanges()); p != nil {
		if touch {
			_ = a.Store.APIKeyTouch(ctx, p.KeyID)
		}
		return p, nil
	}
	gen := a.keys.generation(a.Store.AuthChanges())
	p, err := a.Store.APIKeyLookup(ctx, hash[:])
	if errors.Is(err, model.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown or revoked API key", model.ErrUnauthenticated)
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	kept := *p // as it will be after this request's touches
	if due(p.LastUsedAt, now) {
		_ = a.Store.APIKeyTouch(ctx, p.KeyID)
		kept.LastUsedAt = &now
	}
	if due(p.User.LastLoginAt, now) {
		u := *p.User
		u.LastLoginAt, kept.User = &now, &u
	}
	a.keys.keep(hash, &kept, gen, a.Store.AuthChanges())
	return p, nil
}

type ctxKey struct{}

// state is what the middleware learned about the caller.
type state struct {
	user *model.User
	err  error
	// perms are a scoped API key's permissions (scoped: the key has a list).
	perms  []string
	scoped bool
	// checks is watchers.checks when the credential began to be read: a
	// connection watched later was authenticated before the changes
	// checked since, if it moved (Watch).
	checks uint64
	// token is the credential that authenticated user, for Watch to check
	// again: a websocket's may come from its connection_init or from its
	// upgrade request's Authorization header (Middleware).
	token string
}

// WithKeyPermissions is WithUser for a caller holding an API key limited
// to perms.
func WithKeyPermissions(ctx context.Context, u *model.User, perms []string) context.Context {
	return context.WithValue(ctx, ctxKey{}, &state{user: u, perms: perms, scoped: true})
}

// KeyPermissions returns the permissions of the caller's API key; scoped
// is false for a JWT, an unscoped key, or no caller (every permission).
func KeyPermissions(ctx context.Context) (perms []string, scoped bool) {
	s, _ := ctx.Value(ctxKey{}).(*state)
	if s == nil {
		return nil, false
	}
	return s.perms, s.scoped
}

// WithUser stores the authenticated user (or the authentication error) in ctx.
func WithUser(ctx context.Context, u *model.User, err error) context.Context {
	return context.WithValue(ctx, ctxKey{}, &state{user: u, err: err})
}

// User returns the caller, or an UNAUTHENTICATED error explaining why not.
func User(ctx context.Context) (*model.User, error) {
	s, _ := ctx.Value(ctxKey{}).(*state)
	if s == nil || (s.user == nil && s.err == nil) {
		return nil, fmt.Errorf("%w: send Authorization: Bearer <API key or JWT>", model.ErrUnauthenticated)
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.user, nil
}

// BearerToken extracts the token of an Authorization header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return StripBearer(h)
	}
	return ""
}

// StripBearer takes the token out of "Bearer <token>"; a bare token (as
// websocket clients often send in connection_init) is returned as is.
func StripBearer(v string) string {
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = v[7:]
	}
	return strings.TrimSpace(v)
}

// Middleware authenticates the request's bearer token, if any. A missing or
// bad token is not rejected here: fields that need a user say so, and public
// fields (sharedExecution, introspection) still work.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := BearerToken(r)
		if tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		_, s, _ := a.authenticate(r.Context(), tok)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}
