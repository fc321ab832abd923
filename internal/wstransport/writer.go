package wstransport

import (
	"encoding/binary"
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// Output has no goroutine of its own. Messages go through a bounded queue
// (conn.queue, guarded by conn.wmu), and whichever goroutine queues a
// message while nobody is writing becomes the writer: it writes that
// message at once and then whatever others queued meanwhile, until the
// queue is empty. gorilla allows one data writer at a time, which the
// writing flag guarantees; WriteControl (the close frame) may run beside it.
//
// Why: a parked writer goroutine per connection costs a stack on every
// idle connection, and handing each frame to it costs a goroutine switch.
// The price is that a producer may now wait on the socket, which the rules
// below keep bounded where that matters.

// writer says what kind of goroutine is writing, which decides how long the
// socket may hold it.
type writer uint8

const (
	// writerCtl is the reader (acks, pongs, errors) or the keep-alive
	// timer. Waiting on its own client is ordinary TCP back-pressure for
	// them, but a long drain would also stop the reader from reading (pongs
	// included), so a backlog is handed over after overflowGrace.
	writerCtl writer = iota
	// writerOp is an operation goroutine. While it writes it does not drain
	// its resolver, and resolvers must never wait on a client for long: each
	// of its writes is bounded by overflowGrace (a client that cannot take a
	// frame for that long is a slow consumer, exactly like one that leaves
	// the queue full for that long), and a backlog is handed over after
	// overflowGrace.
	writerOp
	// writerOwn is a goroutine started only to write: a backlog handed over,
	// or the final writes. Nobody waits on it, so it drains until the queue
	// is empty, each write bounded by WriteTimeout alone; if its client
	// stops reading, operations find the queue full and evict the
	// connection after overflowGrace, which unblocks it.
	writerOwn
)

// outQueue is a FIFO ring of outgoing messages. The ring is allocated on
// first use and grows up to the configured bound, so a connection whose
// writes never overlap (the common case: the producer writes directly)
// holds none.
type outQueue struct {
	buf  [][]byte
	head int
	n    int
}

// push appends b; the caller guarantees n < limit.
func (q *outQueue) push(b []byte, limit int) {
	if q.n == len(q.buf) {
		grown := make([][]byte, min(max(4, 2*len(q.buf)), limit))
		for i := range q.n {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = b
	q.n++
}

func (q *outQueue) pop() ([]byte, bool) {
	if q.n == 0 {
		return nil, false
	}
	b := q.buf[q.head]
	q.buf[q.head] = nil // do not pin a message once it is on its way
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return b, true
}

// enqueueLocked queues b; wmu is held and the caller has checked for room.
// ok is false once the connection is closing: nothing may follow the close
// frame, and the final flush must terminate. With direct, nobody was
// writing: the caller is now the writer and must call drain(first). first
// is b itself, not queued, when the queue was empty (the common case: no
// ring is allocated); nil when an operation's batch is still queued
// (enqueueHeld), which b then follows, so order is kept.
func (c *conn) enqueueLocked(b []byte) (ok, direct bool, first []byte) {
	if c.closing() {
		return false, false, nil
	}
	if !c.writing {
		c.writing = true
		if c.queue.n == 0 {
			return true, true, b
		}
		c.queue.push(b, c.cfg.SendBuffer)
		return true, true, nil
	}
	c.queue.push(b, c.cfg.SendBuffer)
	return true, false, nil
}

// enqueueHeld queues b without becoming the writer, for an operation that
// sends several results at once: flush then writes them together. ok
// false: no room (the caller sends b the usual way) or closing.
func (c *conn) enqueueHeld(b []byte) (ok bool) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing() || c.queue.n >= c.cfg.SendBuffer {
		return false
	}
	c.queue.push(b, c.cfg.SendBuffer)
	return true
}

// flush writes what enqueueHeld left queued, unless somebody is writing
// (who then writes it) or the connection is closing (finishWrites does).
func (c *conn) flush() {
	c.wmu.Lock()
	if c.writing || c.queue.n == 0 || c.closing() {
		c.wmu.Unlock()
		return
	}
	c.writing = true
	c.wmu.Unlock()
	c.drain(nil, writerOp)
}

func (c *conn) popLocked() ([]byte, bool) {
	b, ok := c.queue.pop()
	if ok && c.waiters > 0 {
		c.room.Broadcast()
	}
	return b, ok
}

// sendCtl queues a message produced by the reader (acks, pongs, errors for
// rejected subscribes), writing it at once if nobody else is writing. It
// waits while the queue is full: that only stalls reading from the same
// client, which is ordinary TCP back-pressure.
func (c *conn) sendCtl(b []byte) bool {
	return c.sendWait(b)
}

// sendWait queues b, waiting for room as long as the connection lives, and
// becomes the writer if nobody is writing.
func (c *conn) sendWait(b []byte) bool {
	c.wmu.Lock()
	for c.queue.n >= c.cfg.SendBuffer && !c.closing() {
		c.waiters++
		c.room.Wait()
		c.waiters--
	}
	ok, direct, first := c.enqueueLocked(b)
	c.wmu.Unlock()
	if direct {
		c.drain(first, writerCtl)
	}
	return ok
}

// drain runs on the goroutine that became the writer. It writes first (nil:
// none), then what the queue holds, until the queue is empty (it then gives
// up the writer role), the connection is closing (it then does the final
// writes) or a write fails. Messages found queued together go out in one
// write (writeBatch). Emptiness and closing are checked under wmu together
// with giving the role up, so a message queued meanwhile is never stranded
// and closeWith knows whether it must start the final writes itself.
func (c *conn) drain(first []byte, w writer) {
	start := time.Now()
	var batch [][]byte
	if first != nil {
		batch = append(batch, first)
	}
	for {
		c.wmu.Lock()
		batch = c.popBatchLocked(batch)
		c.wmu.Unlock()
		if len(batch) > 0 {
			if err := c.writeBatch(batch, w); err != nil {
				c.writeFailed(err, w)
				return
			}
			clear(batch) // do not pin messages once they are on their way
			batch = batch[:0]
		}
		c.wmu.Lock()
		if c.closing() {
			c.wmu.Unlock()
			c.finishWrites()
			return
		}
		if c.queue.n == 0 {
			c.writing = false
			c.wmu.Unlock()
			return
		}
		c.wmu.Unlock()
		if w != writerOwn && time.Since(start) >= c.cfg.OverflowGrace {
			// The writer role (still set) goes with the queue to a
			// goroutine of its own, so this one returns to its resolver or
			// its reading.
			go c.drain(nil, writerOwn)
			return
		}
	}
}

// maxBatchBytes bounds one write of several messages.
const maxBatchBytes = 64 << 10

// popBatchLocked appends queued messages to batch while they fit in
// maxBatchBytes (at least one).
func (c *conn) popBatchLocked(batch [][]byte) [][]byte {
	size := 0
	for _, b := range batch {
		size += len(b)
	}
	for c.queue.n > 0 {
		if len(batch) > 0 && size+len(c.queue.buf[c.queue.head]) > maxBatchBytes {
			break
		}
		b, _ := c.popLocked()
		batch = append(batch, b)
		size += len(b)
	}
	return batch
}

// minBandwidth is the slowest link an operation's own write allows for
// before the client counts as a slow consumer.
const minBandwidth = 128 << 10 // bytes per second

// write sends one data message within its deadline (see writer).
func (c *conn) write(b []byte, w writer) error {
	_ = c.ws.SetWriteDeadline(c.writeDeadline(len(b), w))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// writeDeadline bounds a write of n bytes by a writer w.
func (c *conn) writeDeadline(n int, w writer) time.Time {
	timeout := c.cfg.WriteTimeout
	if w == writerOp {
		// A large message (a big run's snapshot) needs time on a slow link
		// that is still reading: allow for a modest minBandwidth on top.
		op := c.cfg.OverflowGrace + time.Duration(n)*time.Second/minBandwidth
		if timeout <= 0 || timeout > op {
			timeout = op
		}
	}
	if timeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(timeout)
}

// writeBatch sends messages in order, several in one system call: a run
// followed over the API sends its events in bursts (one commit, dozens of
// events), and one write per frame was a tenth of the server's CPU.
// gorilla writes one frame per call, so a batch is framed here: what
// gorilla would send for each message (FIN, text, the length; a server
// does not mask, and this transport negotiates no compression), handed to
// the socket as one writev. gorilla's own writes (a close frame, a pong)
// are single writes too, which the socket serialises with this one.
func (c *conn) writeBatch(msgs [][]byte, w writer) error {
	if len(msgs) == 1 {
		return c.write(msgs[0], w)
	}
	bufs := make(net.Buffers, 0, 2*len(msgs))
	heads := make([]byte, 0, 10*len(msgs))
	size := 0
	for _, m := range msgs {
		at := len(heads)
		heads = appendFrameHeader(heads, len(m))
		bufs = append(bufs, heads[at:len(heads):len(heads)], m)
		size += len(heads) - at + len(m)
	}
	nc := c.ws.NetConn()
	_ = nc.SetWriteDeadline(c.writeDeadline(size, w))
	_, err := bufs.WriteTo(nc)
	return err
}

// appendFrameHeader appends the header of an unmasked final text frame of
// n bytes (RFC 6455 section 5.2).
func appendFrameHeader(b []byte, n int) []byte {
	const finText = 0x80 | websocket.TextMessage
	switch {
	case n < 126:
		return append(b, finText, byte(n))
	case n <= 0xFFFF:
		return append(b, finText, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
	}
}

// writeFailed ends output for good after a failed write (gorilla's write
// errors are permanent). The writer keeps the writing flag, so nobody
// writes after it, and it releases shutdown.
func (c *conn) writeFailed(err error, w writer) {
	defer close(c.flushed)
	var ne net.Error
	if w == writerOp && !c.closing() && errors.As(err, &ne) && ne.Timeout() {
		c.log.Warn("websocket slow consumer, closing", "remote", c.ws.RemoteAddr().String(), "stalled", "write")
		c.closeSlowConsumer()
		return
	}
	c.abort(err)
}

// abort tears the socket down after a failed write so the reader unblocks
// too.
func (c *conn) abort(err error) {
	c.log.Debug("websocket write failed", "remote", c.ws.RemoteAddr().String(), "err", err)
	c.closeWith(0, "")
	_ = c.ws.NetConn().Close()
}

// finishWrites is the last writer's last act once the connection is
// closing, run exactly once: by the active writer after its current write,
// or by a goroutine closeWith starts when nobody was writing. It flushes
// what is queued (so e.g. a legacy connection_error precedes the close),
// sends the close frame and hands the read deadline to the close handshake.
// Writes here use WriteTimeout whoever runs them: the connection's
// operations are cancelled already, and the close frame is worth waiting
// for.
func (c *conn) finishWrites() {
	defer close(c.flushed)
	if c.abandoned {
		// closeSlowConsumer has closed the socket: there is nothing to write to.
		return
	}
	for {
		c.wmu.Lock()
		b, ok := c.popLocked()
		c.wmu.Unlock()
		if !ok {
			break
		}
		if err := c.write(b, writerOwn); err != nil {
			c.abort(err)
			return
		}
	}
	if c.closeCode != 0 && !c.closeSent.Load() {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeMsg)
		if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace)); err == nil {
			c.closeSent.Store(true)
		}
	}
	c.setReadDeadline(time.Now().Add(closeGrace), true)
}

// keepAliveTick runs on the timer's goroutine every KeepAlive after the
// ack (a time.AfterFunc timer rather than a ticker: without a writer loop
// there is nobody to select on a ticker). It re-arms itself only after its
// keep-alive went out, so ticks never overlap.
func (c *conn) keepAliveTick() {
	c.wmu.Lock()
	if c.closing() {
		c.wmu.Unlock()
		return
	}
	if c.proto.expectPong {
		// graphql-transport-ws clients must answer a ping with pong: a
		// client that sent nothing since the previous ping is gone.
		n := c.reads.Load()
		if c.pinged && n == c.readsAtPing {
			c.wmu.Unlock()
			c.closeWith(CloseGoingAway, "keep-alive timeout")
			return
		}
		c.readsAtPing, c.pinged = n, true
	}
	c.wmu.Unlock()
	// Through the queue, so a keep-alive never overtakes what is queued
	// already (e.g. the ack).
	c.sendWait(c.proto.keepAlive)
	c.wmu.Lock()
	if !c.closing() {
		c.keepAlive.Reset(c.cfg.KeepAlive)
	}
	c.wmu.Unlock()
}
