package wstransport

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// closeGrace is how long we wait for the peer's half of the close handshake
// before dropping the TCP connection. Waiting matters: closing a socket with
// unread input makes the kernel send RST, which can destroy the close frame
// (and its code) before the client reads it.
const closeGrace = time.Second

// conn is one WebSocket connection. One goroutine reads (readLoop) and
// operations run one goroutine each (operation.go). There is no writer
// goroutine: whichever goroutine queues a message while nobody is writing
// writes it itself (writer.go), which saves a parked stack per connection and
// a goroutine hop per message.
type conn struct {
	cfg     *Config
	cache   *resultCache
	log     *slog.Logger
	ws      *websocket.Conn
	exec    graphql.GraphExecutor
	headers http.Header
	proto   *dialect // nil when no acceptable sub-protocol was offered

	// ctx parents every operation; InitFunc may replace it. Reader-only.
	ctx    context.Context
	cancel context.CancelFunc

	// unwatch ends Config.Watch's watch of the connection (nil: none).
	// Reader-only.
	unwatch func()

	// Reader-only protocol state.
	initReceived bool
	acked        bool
	peerClosed   bool // the close handshake needs no more waiting

	done      chan struct{} // closed by closeWith: the connection is ending
	flushed   chan struct{} // closed once the final writes are over (finishWrites or a failed write)
	closeOnce sync.Once
	closeCode int // 0: no close frame to send (peer closed or socket broke)
	closeMsg  string
	abandoned bool // closeSlowConsumer: the socket was closed, nothing more is written
	closeSent atomic.Bool

	reads atomic.Uint64 // messages read; the keep-alive's pong-liveness check

	deadlineMu sync.Mutex
	draining   bool // read deadline now belongs to the close handshake

	mu  sync.Mutex
	ops map[string]*operation // running operations by id; allocated lazily

	// Output (writer.go), all guarded by wmu. Lock order: mu, then wmu.
	wmu     sync.Mutex
	queue   outQueue  // at most cfg.SendBuffer messages waiting for the writer
	writing bool      // a goroutine owns data writes; false: the queue is empty, or holds an operation's batch until its flush (emitHeld)
	room    sync.Cond // on wmu: a waiter in sendWait may find room (or closing)
	waiters int       // goroutines waiting on room
	// keepAlive fires every KeepAlive after connection_ack; pinged and
	// readsAtPing are its pong-liveness state.
	keepAlive   *time.Timer
	pinged      bool
	readsAtPing uint64
}

func newConn(t *Transport, ws *websocket.Conn, r *http.Request, exec graphql.GraphExecutor) *conn {
	ws.SetReadLimit(t.cfg.MaxMessageBytes)
	// The request context is cancelled when Do returns; keep its values
	// (loaders, auth from middleware) but not its lifetime.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &conn{
		cfg:     &t.cfg,
		cache:   t.cache,
		log:     t.log,
		ws:      ws,
		exec:    exec,
		headers: r.Header,
		proto:   dialectFor(ws.Subprotocol()),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		flushed: make(chan struct{}),
	}
	c.room.L = &c.wmu
	return c
}

// serve runs the connection to completion; it is the reader goroutine.
func (c *conn) serve() {
	c.log.Debug("websocket connected", "remote", c.ws.RemoteAddr().String(), "subprotocol", c.ws.Subprotocol())
	switch {
	case c.proto == nil:
		c.closeWith(CloseSubprotocolNotAcceptable, "Subprotocol not acceptable")
	case c.cfg.InitTimeout > 0:
		// A read deadline rather than a timer: the reader is blocked in
		// ReadMessage anyway, and it costs no extra goroutine or timer.
		c.setReadDeadline(time.Now().Add(c.cfg.InitTimeout), false)
	}
	c.readLoop()
	c.shutdown()
}

func (c *conn) readLoop() {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		c.reads.Add(1)
		if c.closing() {
			continue // waiting for the peer's close frame; ignore the rest
		}
		c.handle(data)
	}
}

// handle dispatches one message. This goroutine is ours, not net/http's, so
// a panic in InitFunc or the executor's parsing would otherwise take the
// whole process down; it closes this connection with 4500 instead.
func (c *conn) handle(data []byte) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("websocket: panic while handling a message", "panic", r, "stack", string(debug.Stack()))
			c.closeWith(CloseInternalServerError, "Internal server error")
		}
	}()
	c.proto.handle(c, data)
}

// readFailed maps the error that ended reading to the connection's fate.
func (c *conn) readFailed(err error) {
	var ce *websocket.CloseError
	var ne net.Error
	if c.closing() {
		// We were already waiting for the peer's close frame (or the grace
		// period); there is nothing left to wait for in shutdown.
		c.peerClosed = true
	}
	switch {
	case errors.As(err, &ce):
		// gorilla's default close handler has already echoed the frame.
		c.peerClosed = true
		c.closeWith(0, "")
	case errors.Is(err, websocket.ErrReadLimit):
		c.closeSent.Store(true) // gorilla wrote the 1009 frame itself
		c.closeWith(CloseMessageTooBig, "Message too big")
	case errors.As(err, &ne) && ne.Timeout() && !c.acked && !c.closing():
		c.closeWith(CloseInitTimeout, "Connection initialisation timeout")
	default:
		c.closeWith(0, "")
	}
}

// ackInit records a successful connection_init, lifts the init deadline and
// starts keep-alives. They start only now: before the ack InitTimeout guards
// the connection, and legacy clients must see the ack before any ka. The
// caller has queued the ack already, and keep-alives go through the same
// queue, so none can overtake it.
func (c *conn) ackInit() {
	c.acked = true
	if c.cfg.InitTimeout > 0 {
		c.setReadDeadline(time.Time{}, false)
	}
	if c.cfg.KeepAlive > 0 {
		c.wmu.Lock()
		if !c.closing() {
			c.keepAlive = time.AfterFunc(c.cfg.KeepAlive, c.keepAliveTick)
		}
		c.wmu.Unlock()
	}
}

func (c *conn) closing() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// closeWith starts closing the connection; the first call wins. code 0
// means no close frame is owed (the peer closed, or the socket broke).
// It never blocks, so any goroutine may call it (operations, the
// keep-alive timer, a failing writer). The final writes (finishWrites) are
// left to the active writer, if there is one, after its current write;
// otherwise a short-lived goroutine does them, since they may block on the
// socket and the caller may be an operation.
func (c *conn) closeWith(code int, reason string) { c.closeAs(code, reason, false) }

// closeSlowConsumer closes the connection of a client that stopped reading:
// 1013, so it reconnects, and the socket is closed at once (abandoned), its
// close frame unsent.
func (c *conn) closeSlowConsumer() { c.closeAs(CloseSlowConsumer, "slow consumer", true) }

func (c *conn) closeAs(code int, reason string, abandon bool) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeMsg, c.abandoned = code, closeReason(reason), abandon
		close(c.done)
		c.cancel()
		if abandon {
			// Unblock a writer stuck on a client that stopped reading; it
			// could not read our close frame anyway. Closing rather than
			// SetWriteDeadline(now): gorilla re-applies its own deadline to
			// the net.Conn before every frame, which could undo ours.
			_ = c.ws.NetConn().Close()
		}
		if code != 0 {
			c.log.Debug("websocket closing", "code", code, "reason", c.closeMsg)
		}
		c.wmu.Lock()
		if c.keepAlive != nil {
			c.keepAlive.Stop()
		}
		c.room.Broadcast() // sendWait gives up once closing
		idle := !c.writing
		c.writing = true // from now on only the finisher writes
		c.wmu.Unlock()
		if idle {
			go c.finishWrites()
		}
	})
}

// revoke closes the connection because its credential stopped working
// (Config.Watch): 4403 Forbidden, as a rejected connection_init; legacy
// clients get connection_error first, their only way to learn why. It runs
// the close on its own goroutine: queueing connection_error may wait for
// room, and the caller (an auth watcher) must not wait on a client.
func (c *conn) revoke() {
	if c.closing() {
		return
	}
	go func() {
		if c.proto.name == subprotocolLegacy {
			c.connectionError(CloseForbidden, "Forbidden")
			return
		}
		c.closeWith(CloseForbidden, "Forbidden")
	}()
}

// setReadDeadline serialises deadline changes between reader and writer:
// once the close handshake owns the deadline (draining), the reader may no
// longer extend it.
func (c *conn) setReadDeadline(t time.Time, draining bool) {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	if c.draining && !draining {
		return
	}
	c.draining = c.draining || draining
	_ = c.ws.SetReadDeadline(t)
}

// shutdown runs after the reader has stopped: it stops every operation,
// waits for the final writes, completes the close handshake and releases
// the socket.
func (c *conn) shutdown() {
	c.closeWith(0, "")
	if c.unwatch != nil {
		c.unwatch()
	}
	c.stopAll()
	<-c.flushed
	if c.closeSent.Load() && !c.peerClosed {
		// The reader quit before the peer's close frame (read limit, init
		// timeout): swallow input until the peer closes so our close frame
		// is not lost to a RST.
		nc := c.ws.NetConn()
		_ = nc.SetReadDeadline(time.Now().Add(closeGrace))
		_, _ = io.Copy(io.Discard, nc)
	}
	_ = c.ws.Close()
	c.log.Debug("websocket closed", "remote", c.ws.RemoteAddr().String(), "code", c.closeCode, "reason", c.closeMsg)
}
