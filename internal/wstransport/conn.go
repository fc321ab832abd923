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

// conn is one WebSocket connection. One goroutine reads (readLoop), a
// single writer goroutine owns all data writes (writeLoop), operations run
// one goroutine each (operation.go).
type conn struct {
	cfg     *Config
	log     *slog.Logger
	ws      *websocket.Conn
	exec    graphql.GraphExecutor
	headers http.Header
	proto   *dialect // nil when no acceptable sub-protocol was offered

	// ctx parents every operation; InitFunc may replace it. Reader-only.
	ctx    context.Context
	cancel context.CancelFunc

	// Reader-only protocol state.
	initReceived bool
	acked        bool
	peerClosed   bool // the close handshake needs no more waiting

	send       chan []byte   // bounded queue drained by writeLoop
	done       chan struct{} // closed by closeWith: the connection is ending
	writerDone chan struct{}
	ackedCh    chan struct{} // closed by ackInit; starts keep-alives
	closeOnce  sync.Once
	closeCode  int // 0: no close frame to send (peer closed or socket broke)
	closeMsg   string
	closeSent  atomic.Bool

	reads atomic.Uint64 // messages read; the writer's pong-liveness check

	deadlineMu sync.Mutex
	draining   bool // read deadline now belongs to the close handshake

	mu  sync.Mutex
	ops map[string]*operation // running operations by id; allocated lazily
}

func newConn(t *Transport, ws *websocket.Conn, r *http.Request, exec graphql.GraphExecutor) *conn {
	ws.SetReadLimit(t.cfg.MaxMessageBytes)
	// The request context is cancelled when Do returns; keep its values
	// (loaders, auth from middleware) but not its lifetime.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	return &conn{
		cfg:        &t.cfg,
		log:        t.log,
		ws:         ws,
		exec:       exec,
		headers:    r.Header,
		proto:      dialectFor(ws.Subprotocol()),
		ctx:        ctx,
		cancel:     cancel,
		send:       make(chan []byte, t.cfg.SendBuffer),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
		ackedCh:    make(chan struct{}),
	}
}

// serve runs the connection to completion; it is the reader goroutine.
func (c *conn) serve() {
	c.log.Debug("websocket connected", "remote", c.ws.RemoteAddr().String(), "subprotocol", c.ws.Subprotocol())
	go c.writeLoop()
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

// ackInit records a successful connection_init and lifts the init deadline.
func (c *conn) ackInit() {
	c.acked = true
	close(c.ackedCh)
	if c.cfg.InitTimeout > 0 {
		c.setReadDeadline(time.Time{}, false)
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
// It never blocks, so producers may call it.
func (c *conn) closeWith(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeMsg = code, closeReason(reason)
		close(c.done)
		c.cancel()
		if code == CloseSlowConsumer {
			// Unblock a writer stuck on a client that stopped reading; it
			// could not read our close frame anyway.
			_ = c.ws.NetConn().SetWriteDeadline(time.Now())
		}
		if code != 0 {
			c.log.Debug("websocket closing", "code", code, "reason", c.closeMsg)
		}
	})
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

// sendCtl queues a message produced by the reader (acks, pongs, errors for
// rejected subscribes). It blocks while the queue is full: that only stalls
// reading from the same client, which is ordinary TCP back-pressure.
func (c *conn) sendCtl(b []byte) bool {
	select {
	case c.send <- b:
		return true
	case <-c.done:
		return false
	}
}

func (c *conn) writeLoop() {
	defer close(c.writerDone)
	// Keep-alives start with connection_ack: before it, InitTimeout guards
	// the connection, and legacy clients must see the ack before any ka.
	var ackedCh <-chan struct{}
	if c.proto != nil && c.cfg.KeepAlive > 0 {
		ackedCh = c.ackedCh
	}
	var ticker *time.Ticker
	var tick <-chan time.Time
	defer func() {
		if ticker != nil {
			ticker.Stop()
		}
	}()
	var readsAtPing uint64
	pinged := false
	for {
		// Closing takes priority over queued output.
		select {
		case <-c.done:
			c.finishWrites()
			return
		default:
		}
		select {
		case b := <-c.send:
			if !c.write(b) {
				return
			}
		case <-ackedCh:
			ackedCh = nil
			ticker = time.NewTicker(c.cfg.KeepAlive)
			tick = ticker.C
		case <-tick:
			if c.proto.expectPong {
				n := c.reads.Load()
				if pinged && n == readsAtPing {
					c.closeWith(CloseGoingAway, "keep-alive timeout")
					continue
				}
				readsAtPing, pinged = n, true
			}
			// Whatever was queued before the tick goes first, so a
			// keep-alive never overtakes e.g. the ack.
			if !c.flush() || !c.write(c.proto.keepAlive) {
				return
			}
		case <-c.done:
			c.finishWrites()
			return
		}
	}
}

// flush writes what is queued right now without waiting for more.
func (c *conn) flush() bool {
	for {
		select {
		case b := <-c.send:
			if !c.write(b) {
				return false
			}
		default:
			return true
		}
	}
}

// write sends one message; on failure it tears the socket down so the
// reader unblocks too.
func (c *conn) write(b []byte) bool {
	if c.cfg.WriteTimeout > 0 {
		_ = c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	}
	if c.closing() && c.closeCode == CloseSlowConsumer {
		return c.abort(errSlowConsumer)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return c.abort(err)
	}
	return true
}

var errSlowConsumer = errors.New("slow consumer")

func (c *conn) abort(err error) bool {
	c.log.Debug("websocket write failed", "remote", c.ws.RemoteAddr().String(), "err", err)
	c.closeWith(0, "")
	_ = c.ws.NetConn().Close()
	return false
}

// finishWrites flushes what is queued (so e.g. a legacy connection_error
// precedes the close), sends the close frame and hands the read deadline to
// the close handshake.
func (c *conn) finishWrites() {
	if c.closeCode == CloseSlowConsumer {
		_ = c.ws.NetConn().Close()
		return
	}
	if !c.flush() {
		return
	}
	if c.closeCode != 0 && !c.closeSent.Load() {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeMsg)
		if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace)); err == nil {
			c.closeSent.Store(true)
		}
	}
	c.setReadDeadline(time.Now().Add(closeGrace), true)
}

// shutdown runs after the reader has stopped: it stops every operation,
// waits for the writer, completes the close handshake and releases the
// socket.
func (c *conn) shutdown() {
	c.closeWith(0, "")
	c.stopAll()
	<-c.writerDone
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
