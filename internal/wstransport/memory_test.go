package wstransport_test

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// TestIdleSubscriptionMemory measures heap+stack per idle subscription, one
// subscription per connection, client side included (so it overstates the
// server's share). It is not parallel: it reads process-wide memory
// statistics, which other tests would disturb. WSTRANSPORT_MEMCONNS sets the
// connection count (default 1000; the design target is 10,000, which needs
// ~20k file descriptors).
func TestIdleSubscriptionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("WSTRANSPORT_MEMCONNS")); err == nil && v > 0 {
		n = v
	}
	url, b, _ := newServer(t, wstransport.Config{})
	d := websocket.Dialer{
		Subprotocols:    []string{"graphql-transport-ws"},
		ReadBufferSize:  256,
		WriteBufferSize: 256,
		WriteBufferPool: &sync.Pool{},
	}
	var ms runtime.MemStats
	var heap, stack uint64
	inUse := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap, stack = ms.HeapInuse-heap, ms.StackInuse-stack
		return ms.HeapInuse + ms.StackInuse
	}
	before := inUse()
	conns := make([]*websocket.Conn, 0, n)
	t.Cleanup(func() {
		for _, ws := range conns {
			_ = ws.Close()
		}
	})
	for i := range n {
		ws, resp, err := d.Dial(url, nil)
		require.NoError(t, err)
		_ = resp.Body.Close()
		conns = append(conns, ws)
		require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"connection_init"}`)))
		_, _, err = ws.ReadMessage() // connection_ack
		require.NoError(t, err)
		require.NoError(t, ws.WriteMessage(websocket.TextMessage,
			[]byte(`{"type":"subscribe","id":"`+strconv.Itoa(i)+`","payload":{"query":"subscription { events }"}}`)))
		b.waitJoined(t)
	}
	after := inUse()
	perSub := float64(after-before) / float64(n)
	t.Logf("%d idle subscriptions: %.1f KiB each (heap %.1f, stacks %.1f; client side included), %d goroutines",
		n, perSub/1024, float64(heap)/float64(n)/1024, float64(stack)/float64(n)/1024, runtime.NumGoroutine())
	require.Less(t, perSub, 40.0*1024, "over the 40 KB per idle subscription budget")
}
