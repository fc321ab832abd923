// Package wstransport is a GraphQL-over-WebSocket transport for gqlgen built
// on gorilla/websocket.
//
// It speaks two sub-protocols, chosen by Sec-WebSocket-Protocol:
//
//   - graphql-transport-ws, exactly as graphql-ws' PROTOCOL.md specifies,
//     including its close codes (gqlgen's own transport deviates from them);
//   - graphql-ws, the legacy apollo subscriptions-transport-ws protocol.
//
// A request offering neither is upgraded and then closed with 4406
// "Subprotocol not acceptable", which is what the graphql-ws reference server
// does.
//
// Each connection costs one reader goroutine, plus one goroutine per running
// operation unless its resolver lets the transport drive the operation
// (driven.go: then a goroutine runs only while results are waiting, and
// operations of the same shape and viewer share one rendering of a shared
// value: resultcache.go). There
// is no writer goroutine: the goroutine that produces a
// message (an operation, the reader answering the client, the keep-alive
// timer) writes it itself when nobody else is writing, and otherwise leaves
// it in a bounded per-connection queue for whoever is. That keeps an idle
// connection to the stacks it really needs (a parked goroutine costs several
// KiB) and saves a goroutine switch per message. Producers never wait on a
// client for long: when an operation cannot queue or write its output for
// 100ms the connection is closed with 1013 ("slow consumer"), and a long
// backlog is handed to a short-lived goroutine rather than holding up the
// operation (or the reader) that happened to start writing it.
package wstransport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/origin"
)

// Config tunes a Transport. Every zero value means "use the default"; the
// defaults are listed on each field.
type Config struct {
	// InitFunc authenticates a connection from its connection_init payload
	// (clients put their token there, since browsers cannot set headers on a
	// WebSocket). The returned context becomes the parent of every operation
	// on the connection; a nil context keeps the one passed in. An error
	// closes the socket with 4403 Forbidden (legacy: connection_error first),
	// which tells the client its credential was refused; one that wraps
	// ErrTryAgainLater closes it with 1013 Try Again Later instead.
	// The payload is also reachable later through ContextInitPayload.
	InitFunc func(ctx context.Context, payload map[string]any) (context.Context, error)

	// Watch, when set, runs once a connection_init succeeded, with the
	// connection's context (as InitFunc left it) and revoke, which closes
	// the connection with 4403 Forbidden (legacy: connection_error first),
	// the code a rejected connection_init gets. It is for a credential that
	// stops working while the connection is open (a revoked key, a
	// deactivated user): checking it at connection_init only would let the
	// connection's subscriptions go on streaming. Watch returns what to call
	// when the connection ends (nil: nothing). revoke never blocks and may
	// be called from any goroutine, any number of times.
	Watch func(ctx context.Context, revoke func()) (stop func())

	// AllowedOrigins is checked against the Origin header at upgrade time.
	// Empty means same-origin only (requests without an Origin header, i.e.
	// non-browser clients, are always allowed); "*" allows every origin.
	// Entries are either full origins ("https://app.example.com") or bare
	// hosts ("app.example.com"), compared case-insensitively. A refused
	// origin gets HTTP 403 and is never upgraded.
	AllowedOrigins []string

	// InitTimeout bounds the wait for connection_init; on expiry the socket
	// is closed with 4408. Default 10s; negative disables.
	InitTimeout time.Duration

	// KeepAlive is the interval of server keep-alives: a "ping" message on
	// graphql-transport-ws, a "ka" message on graphql-ws. On
	// graphql-transport-ws a client that sends nothing (not even the
	// mandatory pong) for a whole interval after a ping is closed with 1001.
	// Default 25s; negative disables.
	KeepAlive time.Duration

	// WriteTimeout bounds every socket write. Writes made on an operation's
	// goroutine are bounded by 100ms as well (see SendBuffer), so this is
	// how long a client that stopped reading can hold its connection open
	// when no operation output is pending to evict it. Default 10s;
	// negative disables.
	WriteTimeout time.Duration

	// SendBuffer is the number of outgoing messages a connection queues
	// while one of its goroutines is writing (the first producer to find the
	// socket free writes itself, then drains what others queued meanwhile;
	// the queue's memory is only allocated once writes overlap). When
	// operation results find it full for 100ms, or an operation's own write
	// cannot complete within 100ms (the client is not reading), that
	// connection alone is closed with 1013 "slow consumer". Resolvers'
	// channels are thus never left undrained for much longer than that, so
	// producers and other clients never wait on a stuck client. Default 64.
	SendBuffer int

	// OverflowGrace is how long an operation may wait on its client (for
	// room in a full send queue, or for its own write) before the
	// connection is judged a slow consumer. Default 100ms; tests that flood
	// a tiny queue on a loaded machine raise it, as a stalled reader there
	// is the machine's, not the client's.
	OverflowGrace time.Duration

	// MaxSubscriptions caps concurrently running operations per connection;
	// beyond it a subscribe gets an "error" message for its id and the
	// connection stays up. Default 100.
	MaxSubscriptions int

	// BeforeOperation, when set, runs for every subscribe (legacy: start)
	// that passed the checks above, before the operation is parsed, with the
	// connection's context (as InitFunc left it). A non-nil error refuses
	// that operation with an "error" message carrying it, extensions
	// included (a rate limit's code and retryAfter, say); the connection
	// stays up. It runs on the connection's reader goroutine, so it must be
	// quick.
	BeforeOperation func(ctx context.Context) *gqlerror.Error

	// Plain, when set, is asked once per driven operation (driven.go) for a
	// renderer of its results that does without gqlgen's executor, nil
	// meaning none for this operation. The renderer gets a Frame's Value and
	// returns the result's data, byte for byte what the executor would have
	// written, or ok false to leave that frame to the executor (which then
	// gets it through Deliver, in order). The renderer runs with the
	// operation's context. Per frame, the executor's per-field machinery
	// costs many times what writing the fields does.
	Plain func(rc *graphql.OperationContext) (render func(ctx context.Context, v any) (data []byte, ok bool))

	// MaxMessageBytes caps an incoming message. A larger one closes the
	// socket with 1009 Message Too Big (gorilla sends that frame itself; it
	// is the RFC 6455 code for exactly this). Default 64 KiB.
	MaxMessageBytes int64

	// Logger receives connection lifecycle and failure logs; nil discards.
	Logger *slog.Logger
}

// ErrTryAgainLater, wrapped by an InitFunc error, says the connection could
// not be authenticated for a reason of the server's (its store could not be
// read), not because of the client's credential: the socket closes with
// 1013 Try Again Later, which clients retry, rather than 4403, which tells
// them the credential was refused (the web app signs out on it).
var ErrTryAgainLater = errors.New("try again later")

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultInitTimeout      = 10 * time.Second
	DefaultKeepAlive        = 25 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultSendBuffer       = 64
	DefaultMaxSubscriptions = 100
	DefaultMaxMessageBytes  = 64 << 10
)

// Sizes of gorilla's buffers. The read buffer lives as long as the
// connection, so it is kept small; write buffers are pooled and only held
// while a message is being written, so idle connections hold none.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 4 << 10
)

// Transport is a gqlgen graphql.Transport. Add it with
// handler.New(schema).AddTransport(wstransport.New(cfg)); order relative to
// the HTTP transports does not matter since Supports only claims upgrade
// requests.
type Transport struct {
	cfg      Config
	log      *slog.Logger
	upgrader websocket.Upgrader
	cache    *resultCache // renderings shared between this transport's operations

	// mu guards the live connections, so Shutdown can close them: net/http's
	// Shutdown does not track hijacked connections.
	mu       sync.Mutex
	conns    map[*conn]struct{}
	shutdown bool
}

var _ graphql.Transport = (*Transport)(nil)

// New returns a Transport with cfg's zero fields set to their defaults.
func New(cfg Config) *Transport {
	if cfg.InitTimeout == 0 {
		cfg.InitTimeout = DefaultInitTimeout
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.SendBuffer <= 0 {
		cfg.SendBuffer = DefaultSendBuffer
	}
	if cfg.OverflowGrace <= 0 {
		cfg.OverflowGrace = overflowGrace
	}
	if cfg.MaxSubscriptions <= 0 {
		cfg.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Transport{cfg: cfg, log: log, cache: newResultCache(), conns: map[*conn]struct{}{}}
	t.upgrader = websocket.Upgrader{
		ReadBufferSize:  readBufferSize,
		WriteBufferSize: writeBufferSize,
		WriteBufferPool: &sync.Pool{},
		// Server preference order: the maintained protocol wins when a
		// client offers both.
		Subprotocols: []string{subprotocolTransportWS, subprotocolLegacy},
		CheckOrigin:  t.checkOrigin,
		// Keep gorilla from writing its plain-text error bodies with the
		// wrong content type; the status code is what matters.
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			log.Debug("websocket upgrade refused", "status", status, "err", reason)
			http.Error(w, http.StatusText(status), status)
		},
	}
	return t
}

// Supports claims WebSocket upgrade requests only, so the transport can sit
// alongside gqlgen's HTTP transports in any order.
func (t *Transport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do upgrades the request and hands the connection to its own reader
// goroutine, returning at once. Returning matters for memory: while the
// handler runs, net/http keeps the connection's 4 KiB read and write
// buffers and its deep serve-goroutine stack alive, ~10 KiB per connection
// that a hijacked socket never uses again.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.mu.Lock()
	down := t.shutdown
	t.mu.Unlock()
	if down {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// gorilla has already answered with an HTTP error status.
		return
	}
	c := newConn(t, ws, r, exec)
	t.mu.Lock()
	if t.shutdown {
		t.mu.Unlock()
		c.closeWith(CloseGoingAway, shutdownReason)
	} else {
		t.conns[c] = struct{}{}
		t.mu.Unlock()
	}
	go func() {
		c.serve()
		t.mu.Lock()
		delete(t.conns, c)
		t.mu.Unlock()
	}()
}

const shutdownReason = "server shutting down"

// Stats counts the open connections and the operations running on them
// (subscriptions, mostly), for the process's gauges. It counts when asked,
// taking each connection's lock briefly: the cost falls on a scrape, never
// on a message.
func (t *Transport) Stats() (connections, operations int) {
	t.mu.Lock()
	conns := make([]*conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		operations += len(c.ops)
		c.mu.Unlock()
	}
	return len(conns), operations
}

// Shutdown refuses new connections (HTTP 503) and closes every open one
// with 1001 Going Away, the code clients take as "reconnect elsewhere", so
// a rolling deploy moves subscribers to the other instances instead of
// leaving them on a socket that dies with the process. It returns once the
// connections have ended or ctx is done.
func (t *Transport) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	t.shutdown = true
	conns := make([]*conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.closeWith(CloseGoingAway, shutdownReason)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		t.mu.Lock()
		n := len(t.conns)
		t.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wstransport: %d connections still open: %w", n, ctx.Err())
		case <-tick.C:
		}
	}
}

// checkOrigin implements Config.AllowedOrigins. Origin checks matter for
// WebSockets because browsers attach cookies to cross-site upgrades and the
// same-origin policy does not apply to them.
func (t *Transport) checkOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if len(t.cfg.AllowedOrigins) == 0 {
		host, ok := origin.Host(o)
		return ok && strings.EqualFold(host, r.Host)
	}
	return origin.Allowed(t.cfg.AllowedOrigins, o)
}
