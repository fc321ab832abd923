package wstransport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation is one running subscribe/start. Its fields other than stopped
// are immutable.
type operation struct {
	id     string
	idJSON []byte
	cancel context.CancelFunc
	// stopped (guarded by conn.mu) is set once nothing more may be sent for
	// this operation: the client completed/stopped it, it finished, or the
	// connection is closing. Checking it under the same lock that queues the
	// message guarantees nothing for the id follows the client's complete.
	stopped bool
}

// admit reports whether a new operation with id may start, answering the
// client itself when it may not. Reader goroutine only.
func (c *conn) admit(id string) bool {
	c.mu.Lock()
	_, exists := c.ops[id]
	n := len(c.ops)
	c.mu.Unlock()
	idJSON := quoteID(id)
	switch {
	case exists && c.proto.duplicateIsFatal:
		c.closeWith(CloseSubscriberExists, "Subscriber for "+id+" already exists")
		return false
	case exists:
		c.sendOperationError(idJSON, "subscriber for "+id+" already exists")
		return false
	case n >= c.cfg.MaxSubscriptions:
		c.sendOperationError(idJSON, fmt.Sprintf("too many concurrent operations (max %d)", c.cfg.MaxSubscriptions))
		return false
	}
	if c.cfg.BeforeOperation != nil {
		if err := c.cfg.BeforeOperation(c.ctx); err != nil {
			c.sendOperationErrors(idJSON, gqlerror.List{err})
			return false
		}
	}
	return true
}

// sendOperationError rejects one operation with an "error" message while the
// connection stays up.
func (c *conn) sendOperationError(idJSON []byte, msg string) {
	c.sendOperationErrors(idJSON, gqlerror.List{{Message: msg}})
}

func (c *conn) sendOperationErrors(idJSON []byte, errs gqlerror.List) {
	c.sendCtl(encode(msgError, idJSON, errorsPayload(errs)))
	if c.proto.completeAfterError {
		c.sendCtl(encode(msgComplete, idJSON, nil))
	}
}

// execute parses and validates an operation on the reader goroutine (so
// operation-level errors are answered in order) and runs it on its own
// goroutine. It mirrors gqlgen's websocket transport: trace start, read
// timing, request headers, DispatchError for pre-execution errors.
func (c *conn) execute(id string, params *graphql.RawParams, start time.Time) {
	idJSON := quoteID(id)
	ctx := graphql.StartOperationTrace(c.ctx)
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = c.headers

	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			// Parse/validation failures are the "error" message's purpose.
			c.sendCtl(encode(msgError, idJSON, errorsPayload(resp.Errors)))
			if c.proto.completeAfterError {
				c.sendCtl(encode(msgComplete, idJSON, nil))
			}
			return
		}
		c.sendCtl(encode(c.proto.next, idJSON, c.marshalResponse(resp)))
		c.sendCtl(encode(msgComplete, idJSON, nil))
		return
	}

	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	op := &operation{id: id, idJSON: idJSON, cancel: cancel}
	c.mu.Lock()
	if c.ops == nil {
		c.ops = make(map[string]*operation)
	}
	c.ops[id] = op
	c.mu.Unlock()
	go c.run(ctx, op, rc)
}

// run dispatches the operation and drives the executor's response handler
// until it is exhausted or the operation is stopped. A resolver that took
// the operation's Driver (driven.go; the subscriptions that matter for
// scale) says when a result is waiting: the handler is then called only
// then, on a short-lived goroutine, and an idle subscription costs no
// goroutine here. Otherwise this goroutine waits on the handler.
func (c *conn) run(ctx context.Context, op *operation, rc *graphql.OperationContext) {
	d := &Driver{}
	ctx = withDriver(ctx, d)
	var responses graphql.ResponseHandler
	if !c.guard(ctx, op, rc, func() bool {
		responses, ctx = c.exec.DispatchOperation(ctx, rc)
		return true
	}) {
		return
	}
	if d.wasTaken() {
		d.Start(c.drainer(ctx, op, rc, responses))
		return
	}
	next := func() bool { return c.next(ctx, op, responses, nil, c.emit) }
	for c.guard(ctx, op, rc, next) {
	}
}

// drainer returns the drain of a driven operation: each frame is rendered
// (or taken from the shared renderings of the same shape, viewer and key)
// and sent, in order, until the operation ends. The results of several
// frames drained at once are written together (emitHeld).
func (c *conn) drainer(ctx context.Context, op *operation, rc *graphql.OperationContext, responses graphql.ResponseHandler) func([]Frame) {
	shape := shapeOf(rc)
	shapeHash := c.cache.shapeHash(shape)
	var plain func(context.Context, any) ([]byte, bool)
	if c.cfg.Plain != nil {
		plain = c.cfg.Plain(rc)
	}
	over := false // touched by one drain at a time (Driver)
	return func(frames []Frame) {
		send := c.emit
		if len(frames) > 1 {
			send = c.emitHeld
			defer c.flush()
		}
		for _, f := range frames {
			if over {
				return
			}
			var shared *rendering // this frame's rendering, when this operation renders it
			if f.Key != nil && f.Viewer != "" && shape != "" && !f.Final {
				r, owner := c.cache.claim(resultKey{shape: shape, viewer: f.Viewer, key: f.Key}, shapeHash)
				if !owner {
					<-r.done
					if r.data != nil {
						if !send(op, c.encodeData(op.idJSON, r.data)) {
							c.finish(op, false)
							over = true
						}
						continue
					}
				} else {
					shared = r
				}
			}
			if plain != nil && f.Value != nil {
				var done bool
				if done, over = c.sendPlain(ctx, op, rc, plain, f, shared, send); done {
					continue
				}
			}
			over = !c.guard(ctx, op, rc, func() bool {
				if !f.Deliver() {
					return true // nothing to render
				}
				return c.next(ctx, op, responses, shared, send)
			})
			if shared != nil && !shared.filled() {
				shared.fill(nil) // the render failed: waiters render their own
			}
		}
	}
}

// sendPlain renders f with the operation's plain renderer (Config.Plain)
// and sends it, sharing the bytes when this operation renders them for
// others. done: nothing more to do for f (sent, or the operation is over);
// false leaves f to the executor.
func (c *conn) sendPlain(ctx context.Context, op *operation, rc *graphql.OperationContext,
	plain func(context.Context, any) ([]byte, bool), f Frame, shared *rendering, send func(*operation, []byte) bool) (done, over bool) {
	var data []byte
	rendered := false
	over = !c.guard(ctx, op, rc, func() bool {
		data, rendered = plain(ctx, f.Value())
		return true
	})
	switch {
	case over: // the renderer panicked: guard ended the operation
		if shared != nil {
			shared.fill(nil)
		}
		return true, true
	case !rendered:
		return false, false
	}
	if shared != nil {
		shared.fill(data) // fresh bytes: sharing needs no copy
	}
	if !send(op, c.encodeData(op.idJSON, data)) {
		c.finish(op, false)
		return true, true
	}
	return true, false
}

// next sends the operation's next result through send; it reports false,
// having finished the operation, when there is none or it cannot be sent.
// With shared, a data-only result is published to the operations of the
// same shape waiting for it, before it is written.
func (c *conn) next(ctx context.Context, op *operation, responses graphql.ResponseHandler, shared *rendering,
	send func(*operation, []byte) bool) bool {
	resp := responses(ctx)
	if shared != nil {
		if resp != nil && dataOnly(resp) {
			// A copy: gqlgen's executor renders every result of an
			// operation into one reused buffer, so resp.Data is
			// overwritten by the operation's next result.
			shared.fill(bytes.Clone(resp.Data))
		} else {
			shared.fill(nil)
		}
	}
	if resp == nil || !send(op, c.encodeNext(op.idJSON, resp)) {
		c.finish(op, false)
		return false
	}
	return true
}

// guard runs fn, recovering a panic (a resolver's, or the executor's)
// through the executor's recover func and error presenter: the operation
// then ends with an error message and guard reports false.
func (c *conn) guard(ctx context.Context, op *operation, rc *graphql.OperationContext, fn func() bool) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.emit(op, encode(msgError, op.idJSON, errorsPayload(gqlerror.List{c.recovered(ctx, rc, r)})))
			c.finish(op, true)
			ok = false
		}
	}()
	return fn()
}

// encodeNext renders a result message. The common case (data only, the
// data already compact JSON from gqlgen's executor) is assembled directly: at
// thousands of frames per second, re-marshalling the response (which
// re-validates the data) and copying it into the envelope were a tenth of
// the server's CPU.
func (c *conn) encodeNext(idJSON []byte, resp *graphql.Response) []byte {
	if !dataOnly(resp) {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(fmt.Errorf("wstransport: encode response: %w", err))
		}
		return encode(c.proto.next, idJSON, b)
	}
	return c.encodeData(idJSON, resp.Data)
}

// dataOnly reports whether resp is just data (the common case).
func dataOnly(resp *graphql.Response) bool {
	return len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Label == "" && resp.Path == nil &&
		resp.HasNext == nil && len(resp.Data) > 0
}

// encodeData renders a result message carrying data only.
func (c *conn) encodeData(idJSON, data []byte) []byte {
	const head, mid, tail = `{"type":"`, `","id":`, `,"payload":{"data":`
	typ := c.proto.next
	b := make([]byte, 0, len(head)+len(typ)+len(mid)+len(idJSON)+len(tail)+len(data)+2)
	b = append(b, head...)
	b = append(b, typ...)
	b = append(b, mid...)
	b = append(b, idJSON...)
	b = append(b, tail...)
	b = append(b, data...)
	return append(b, '}', '}')
}

// recoverPresenter is implemented by gqlgen's executor: recover func then
// error presenter, the same path gqlgen's HTTP handler uses for panics.
type recoverPresenter interface {
	PresentRecoveredError(ctx context.Context, err any) error
}

func (c *conn) recovered(ctx context.Context, rc *graphql.OperationContext, r any) *gqlerror.Error {
	var err error
	if p, ok := c.exec.(recoverPresenter); ok {
		err = p.PresentRecoveredError(ctx, r)
	} else {
		err = rc.Recover(ctx, r)
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		return gqlErr
	}
	if err == nil {
		err = errors.New("internal system error")
	}
	return &gqlerror.Error{Message: err.Error()}
}

// overflowGrace, the default of Config.OverflowGrace, is how long an operation may wait on its client before the
// connection is judged a slow consumer: for room in a full send queue, or,
// when the operation goroutine is itself the writer, for one write to
// complete (writer.go). A healthy client can fill the queue for an instant
// (one event fanned out to all of its subscriptions at once); a client that
// stopped reading cannot recover. The operation goroutine has already taken
// the event off the resolver's channel, so producers are unaffected unless
// they send to that same subscription again within the window.
const overflowGrace = 100 * time.Millisecond

// emit queues operation output unless the operation was stopped, and writes
// it (plus whatever others queue meanwhile) if nobody else is writing. The
// stopped check and the enqueue happen under one lock so nothing for an id
// can follow the client's complete; the lock is never held while waiting or
// writing.
func (c *conn) emit(op *operation, b []byte) bool {
	var deadline time.Time
	backoff := 50 * time.Microsecond
	for {
		c.mu.Lock()
		if op.stopped || c.closing() {
			c.mu.Unlock()
			return false
		}
		c.wmu.Lock()
		full := c.queue.n >= c.cfg.SendBuffer
		var ok, direct bool
		var first []byte
		if !full {
			ok, direct, first = c.enqueueLocked(b)
		}
		c.wmu.Unlock()
		c.mu.Unlock()
		if !full {
			if direct {
				c.drain(first, writerOp)
			}
			return ok
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(c.cfg.OverflowGrace)
		} else if now.After(deadline) {
			c.log.Warn("websocket slow consumer, closing", "remote", c.ws.RemoteAddr().String(), "buffer", c.cfg.SendBuffer)
			c.closeSlowConsumer()
			return false
		}
		// What this operation queued without writing (emitHeld) must not
		// wait for a writer that is not there.
		c.flush()
		// Polling (rare path) rather than waiting on a condition keeps the
		// stopped check atomic with the enqueue.
		time.Sleep(backoff)
		backoff = min(2*backoff, 5*time.Millisecond)
	}
}

// emitHeld is emit for one of several results sent at once: it queues b
// without writing it, and the caller's flush writes them all together.
// Without room it sends b as emit does (which flushes first).
func (c *conn) emitHeld(op *operation, b []byte) bool {
	c.mu.Lock()
	if op.stopped || c.closing() {
		c.mu.Unlock()
		return false
	}
	held := c.enqueueHeld(b)
	c.mu.Unlock()
	return held || c.emit(op, b)
}

// finish unregisters an operation that ended on its own and tells the
// client, unless the client stopped it first (then nothing more is sent).
// Unregistering before queuing complete lets the client reuse the id as
// soon as it sees complete.
func (c *conn) finish(op *operation, failed bool) {
	defer op.cancel()
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	notify := !op.stopped && (!failed || c.proto.completeAfterError)
	c.mu.Unlock()
	if notify {
		c.emit(op, encode(msgComplete, op.idJSON, nil))
	}
	c.mu.Lock()
	op.stopped = true
	c.mu.Unlock()
}

// stop handles a client complete/stop: output ceases at once and the
// operation's context is cancelled, which ends its resolver. Unknown ids are
// ignored, as graphql-ws does (the operation may just have finished).
func (c *conn) stop(id string) {
	c.mu.Lock()
	op := c.ops[id]
	if op != nil {
		delete(c.ops, id)
		op.stopped = true
	}
	c.mu.Unlock()
	if op != nil {
		op.cancel()
	}
}

// stopAll cancels every operation when the connection ends.
func (c *conn) stopAll() {
	c.mu.Lock()
	ops := c.ops
	c.ops = nil
	for _, op := range ops {
		op.stopped = true
	}
	c.mu.Unlock()
	for _, op := range ops {
		op.cancel()
	}
}

func (c *conn) marshalResponse(resp *graphql.Response) []byte {
	b, err := json.Marshal(resp)
	if err != nil {
		c.log.Error("websocket: encode response", "err", err)
		return []byte(`{"errors":[{"message":"internal server error"}]}`)
	}
	return b
}
