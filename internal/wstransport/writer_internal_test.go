package wstransport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestOutQueueKeepsOrderAcrossGrowthAndWrap(t *testing.T) {
	t.Parallel()
	const limit = 6
	var q outQueue
	next, want := 0, 0
	push := func(k int) {
		for range k {
			require.Less(t, q.n, limit)
			q.push([]byte(strconv.Itoa(next)), limit)
			next++
		}
	}
	pop := func(k int) {
		for range k {
			b, ok := q.pop()
			require.True(t, ok)
			require.Equal(t, strconv.Itoa(want), string(b))
			want++
		}
	}
	push(3)
	pop(2)
	push(5) // grows past 4 while the ring has wrapped
	require.Len(t, q.buf, limit)
	pop(4)
	push(4)
	pop(6)
	_, ok := q.pop()
	require.False(t, ok)
	require.Len(t, q.buf, limit, "grows to the bound, never beyond")
	for _, b := range q.buf {
		require.Nil(t, b, "sent messages must not stay referenced")
	}
}

// rawConn returns a server-side conn that nobody serves (no reader), plus
// the client end, so a test can drive the output machinery directly.
func rawConn(t *testing.T, cfg Config) (*conn, *websocket.Conn) {
	t.Helper()
	cfg.KeepAlive, cfg.InitTimeout = -1, -1
	tr := New(cfg)
	conns := make(chan *conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := tr.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conns <- newConn(tr, ws, r, nil)
	}))
	t.Cleanup(srv.Close)
	d := websocket.Dialer{Subprotocols: []string{subprotocolTransportWS}}
	client, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = client.Close() })
	select {
	case c := <-conns:
		t.Cleanup(func() { _ = c.ws.Close() })
		return c, client
	case <-time.After(5 * time.Second):
		t.Fatal("no server connection")
		return nil, nil
	}
}

// pretendWriting makes the conn believe some goroutine is mid-write, so what
// is sent next queues up behind it; the test then plays that writer.
func pretendWriting(c *conn) {
	c.wmu.Lock()
	c.writing = true
	c.wmu.Unlock()
}

func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, b, err := ws.ReadMessage()
	require.NoError(t, err)
	return string(b)
}

func TestCloseWhileWritingFlushesQueueBeforeCloseFrame(t *testing.T) {
	t.Parallel()
	c, client := rawConn(t, Config{})
	pretendWriting(c)
	require.True(t, c.sendCtl([]byte(`{"type":"a"}`)))
	require.True(t, c.sendCtl([]byte(`{"type":"b"}`)))
	c.closeWith(CloseNormal, "bye")
	require.False(t, c.sendCtl([]byte(`{"type":"late"}`)), "nothing may be queued once closing")
	select {
	case <-c.flushed:
		t.Fatal("closeWith did the final writes although a writer was active")
	default:
	}

	// The writer finishes its write, sees the close and does the final
	// writes itself: queue first, then the close frame.
	c.drain([]byte(`{"type":"current"}`), writerOp)
	select {
	case <-c.flushed:
	default:
		t.Fatal("final writes not done by the active writer")
	}
	require.True(t, c.closeSent.Load())
	for _, want := range []string{"current", "a", "b"} {
		require.JSONEq(t, `{"type":"`+want+`"}`, readText(t, client))
	}
	_, _, err := client.ReadMessage()
	var ce *websocket.CloseError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, CloseNormal, ce.Code)
	require.Equal(t, "bye", ce.Text)
}

func TestCloseWhileIdleStartsFinalWrites(t *testing.T) {
	t.Parallel()
	c, client := rawConn(t, Config{})
	// Nobody writing: the sender writes inline and gives the role back.
	require.True(t, c.sendCtl([]byte(`{"type":"a"}`)))
	c.wmu.Lock()
	require.False(t, c.writing)
	c.wmu.Unlock()
	c.closeWith(CloseBadRequest, "bad")
	select {
	case <-c.flushed:
	case <-time.After(5 * time.Second):
		t.Fatal("final writes never happened")
	}
	require.JSONEq(t, `{"type":"a"}`, readText(t, client))
	_, _, err := client.ReadMessage()
	var ce *websocket.CloseError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, CloseBadRequest, ce.Code)
}

func TestFullQueueEvictsWhileAnotherGoroutineIsStuckWriting(t *testing.T) {
	t.Parallel()
	const buffer = 4
	c, client := rawConn(t, Config{SendBuffer: buffer})
	op := &operation{id: "x", idJSON: quoteID("x"), cancel: func() {}}
	pretendWriting(c) // a writer stuck on a client that stopped reading
	for range buffer {
		require.True(t, c.emit(op, []byte(`{"type":"next"}`)))
	}
	start := time.Now()
	require.False(t, c.emit(op, []byte(`{"type":"next"}`)))
	require.GreaterOrEqual(t, time.Since(start), overflowGrace)
	require.True(t, c.closing())
	require.Equal(t, CloseSlowConsumer, c.closeCode)

	// The stuck writer's write fails (closeWith closed the socket), which
	// releases shutdown; the client gets no close frame.
	c.drain([]byte(`{"type":"stuck"}`), writerOwn)
	select {
	case <-c.flushed:
	default:
		t.Fatal("a failed writer must release shutdown")
	}
	require.NoError(t, client.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, _, err := client.ReadMessage()
	require.Error(t, err)
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		require.Equal(t, websocket.CloseAbnormalClosure, ce.Code, "no close frame for a slow consumer")
	}
}

func TestSendCtlWaitsForRoomThenQueues(t *testing.T) {
	t.Parallel()
	const buffer = 2
	c, client := rawConn(t, Config{SendBuffer: buffer})
	pretendWriting(c)
	for i := range buffer {
		require.True(t, c.sendCtl([]byte(`{"type":"`+strconv.Itoa(i)+`"}`)))
	}
	sent := make(chan bool)
	go func() { sent <- c.sendCtl([]byte(`{"type":"waited"}`)) }()
	select {
	case <-sent:
		t.Fatal("sendCtl queued beyond SendBuffer")
	case <-time.After(50 * time.Millisecond):
	}
	// The writer takes one message off: the waiter gets its slot.
	c.wmu.Lock()
	first, ok := c.popLocked()
	c.wmu.Unlock()
	require.True(t, ok)
	select {
	case ok := <-sent:
		require.True(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("sendCtl not woken when room appeared")
	}
	c.drain(first, writerOwn)
	for _, want := range []string{"0", "1", "waited"} {
		require.JSONEq(t, `{"type":"`+want+`"}`, readText(t, client))
	}
	c.wmu.Lock()
	require.False(t, c.writing, "the writer gives the role up once the queue is empty")
	c.wmu.Unlock()

	// A waiter is released (refused) by closing too.
	pretendWriting(c)
	for range buffer {
		require.True(t, c.sendCtl([]byte(`{"type":"x"}`)))
	}
	go func() { sent <- c.sendCtl([]byte(`{"type":"never"}`)) }()
	time.Sleep(20 * time.Millisecond) // let it start waiting (not required for correctness)
	c.closeWith(CloseNormal, "")
	select {
	case ok := <-sent:
		require.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("sendCtl still waiting after close")
	}
}

// A goroutine that happened to start writing (the reader, the keep-alive
// timer, an operation) hands a backlog over once it has written for
// overflowGrace, instead of staying on the socket for as long as others
// keep queuing.
func TestLongDrainIsHandedOff(t *testing.T) {
	t.Parallel()
	c, client := rawConn(t, Config{})
	first := bytes.Repeat([]byte("a"), 8<<20) // more than loopback buffers hold unread
	rest := bytes.Repeat([]byte("b"), 64<<20) // more than they can ever hold
	pretendWriting(c)
	require.True(t, c.sendCtl(rest))
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		c.drain(first, writerCtl)
	}()
	// The client reads nothing for longer than a writer's slice...
	time.Sleep(overflowGrace + 50*time.Millisecond)
	select {
	case <-returned:
		t.Fatal("the first write cannot have completed")
	default:
	}
	// ...then exactly the first frame (2-byte header, 8-byte length).
	_, err := io.ReadFull(client.NetConn(), make([]byte, 10+len(first)))
	require.NoError(t, err)
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("the borrowed writer kept draining")
	}
	c.wmu.Lock()
	require.True(t, c.writing, "the backlog's writer role was handed over, not dropped")
	c.wmu.Unlock()
	// The client goes away; the handed-off writer fails and releases
	// shutdown.
	_ = client.NetConn().Close()
	select {
	case <-c.flushed:
	case <-time.After(5 * time.Second):
		t.Fatal("the handed-off writer never finished")
	}
}

// The direct envelope says exactly what marshalling the response would.
func TestEncodeNextMatchesMarshal(t *testing.T) {
	c := &conn{proto: dialectFor("graphql-transport-ws")}
	id := quoteID("op-1")
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"executionEvents":{"seq":3,"value":"a\"b"}}`)},
		{Data: nil},
		{Data: json.RawMessage(`{"x":null}`), Errors: gqlerror.List{{Message: "partial"}}},
		{Data: json.RawMessage(`{}`), Extensions: map[string]any{"cost": 1}},
	} {
		b, err := json.Marshal(resp)
		require.NoError(t, err)
		require.JSONEq(t, string(encode("next", id, b)), string(c.encodeNext(id, resp)))
	}
}

// Messages found queued together go out in one write, framed here rather
// than by gorilla: the client reads each as its own text message, intact
// and in order, whatever its length's encoding (7-bit, 16-bit, 64-bit).
func TestBatchedMessagesArriveIntactAndInOrder(t *testing.T) {
	t.Parallel()
	c, client := rawConn(t, Config{SendBuffer: 16})
	sizes := []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 70000, 3}
	var want []string
	pretendWriting(c)
	for i, n := range sizes {
		m := strconv.Itoa(i) + ":" + strings.Repeat("x", n)
		want = append(want, m)
		require.True(t, c.sendCtl([]byte(m)))
	}
	c.drain(nil, writerOp) // play the writer: everything queued, in batches
	for _, m := range want {
		require.Equal(t, m, readText(t, client))
	}
	c.wmu.Lock()
	require.False(t, c.writing, "the writer role is given up once the queue is empty")
	c.wmu.Unlock()
}

// What an operation queues without writing (emitHeld) is written by its
// flush, and overtaken by nothing: a message sent meanwhile by anyone else
// (here the reader's) is written after it.
func TestHeldMessagesAreWrittenFirst(t *testing.T) {
	t.Parallel()
	c, client := rawConn(t, Config{SendBuffer: 4})
	op := &operation{id: "1", idJSON: quoteID("1")}
	for i := range 3 {
		require.True(t, c.emitHeld(op, []byte("held "+strconv.Itoa(i))))
	}
	require.True(t, c.sendCtl([]byte("ctl")))
	for _, m := range []string{"held 0", "held 1", "held 2", "ctl"} {
		require.Equal(t, m, readText(t, client))
	}
	// More than the queue holds: the overflow flushes instead of waiting
	// for a writer that is not there.
	for i := range 10 {
		require.True(t, c.emitHeld(op, []byte("burst "+strconv.Itoa(i))))
	}
	c.flush()
	for i := range 10 {
		require.Equal(t, "burst "+strconv.Itoa(i), readText(t, client))
	}
}
