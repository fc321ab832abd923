package wstransport_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// waitTimeout bounds every wait on a signal; tests never sleep.
const waitTimeout = 5 * time.Second

type ctxKey struct{}

// broker is the test schema's event source: every `events` subscription
// registers a subscriber fed by Publish, like an application's fan-out.
type broker struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	joined chan *subscriber
	pushed chan *pushedSub
	// inFlight counts response-handler calls in progress, i.e. operation
	// goroutines parked in the executor; maxInFlight is its high-water mark.
	inFlight, maxInFlight atomic.Int64
	renders               atomic.Int64 // response-handler calls of `pushed` subscriptions
}

type subscriber struct {
	ctx context.Context // the resolver's context
	ch  chan string
}

func newBroker() *broker {
	return &broker{subs: map[*subscriber]struct{}{}, joined: make(chan *subscriber, 20000), pushed: make(chan *pushedSub, 20000)}
}

func (b *broker) add(ctx context.Context) *subscriber {
	s := &subscriber{ctx: ctx, ch: make(chan string)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	b.joined <- s
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	})
	return s
}

// pushedSub is a `pushed` subscription: its resolver lets the transport
// drive it, offering each value.
type pushedSub struct {
	ctx    context.Context
	ch     chan string
	d      *wstransport.Driver
	viewer string // the connection's user: renderings are shared per viewer
}

func (b *broker) addPushed(ctx context.Context, d *wstransport.Driver) *pushedSub {
	user, _ := ctx.Value(ctxKey{}).(string)
	p := &pushedSub{ctx: ctx, ch: make(chan string, 64), d: d, viewer: "user:" + user}
	b.pushed <- p
	return p
}

// push offers v (or, with end, the stream's close) to the transport.
func (p *pushedSub) push(v string, end bool) {
	p.offer(nil, v, end)
}

// offer is push with a key under which the rendering may be shared.
func (p *pushedSub) offer(key any, v string, end bool) {
	if end {
		p.d.Offer(wstransport.Frame{Deliver: func() bool { close(p.ch); return true }, Final: true}, 0)
		return
	}
	p.d.Offer(wstransport.Frame{Key: key, Viewer: p.viewer, Deliver: func() bool { p.ch <- v; return true }}, 0)
}

// waitJoined returns the next subscriber that registered.
func (b *broker) waitJoined(t *testing.T) *subscriber {
	t.Helper()
	select {
	case s := <-b.joined:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("no subscription reached the resolver")
		return nil
	}
}

// publish hands ev to every live subscriber and fails if any resolver
// channel stays blocked for more than maxBlock: the transport must drain
// resolvers even when a client does not read.
func (b *broker) publish(t *testing.T, ev string, maxBlock time.Duration) {
	t.Helper()
	b.mu.Lock()
	subs := make([]*subscriber, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		select {
		case s.ch <- ev:
		case <-s.ctx.Done():
		case <-time.After(maxBlock):
			t.Fatalf("producer blocked for %v delivering to a subscriber", maxBlock)
		}
	}
}

func (b *broker) enter() {
	n := b.inFlight.Add(1)
	for {
		m := b.maxInFlight.Load()
		if n <= m || b.maxInFlight.CompareAndSwap(m, n) {
			return
		}
	}
}

func (b *broker) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

const testSchema = `
type Query { name: String! whoami: String! panic: String! }
type Mutation { name: String! }
type Subscription { events: String! pushed: String! refused: String! }
`

// newSchema is a hand-written executable schema: enough of an executor to
// exercise the transport without generated code.
func newSchema(b *broker) graphql.ExecutableSchema {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 0, false
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			op := graphql.GetOperationContext(ctx).Operation
			field := op.SelectionSet[0].(*ast.Field).Name
			data := func(v string) *graphql.Response {
				raw, _ := json.Marshal(map[string]string{field: v})
				return &graphql.Response{Data: raw}
			}
			switch {
			case op.Operation == ast.Subscription && field == "refused":
				// Takes the Driver, then fails before offering anything (a
				// stream that cannot be opened) and hands it back.
				wstransport.TakeDriver(ctx).Release()
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: "refused"}}})
			case op.Operation == ast.Subscription && field == "pushed":
				// Lets the transport drive it, like executionEvents.
				p := b.addPushed(ctx, wstransport.TakeDriver(ctx))
				// Like gqlgen's executor, render every result into one
				// reused buffer: Data is only valid until the next call.
				var buf []byte
				return func(context.Context) *graphql.Response {
					b.renders.Add(1)
					b.enter()
					defer b.inFlight.Add(-1)
					select {
					case ev, ok := <-p.ch:
						if !ok {
							return nil
						}
						buf = append(buf[:0], data(ev).Data...)
						return &graphql.Response{Data: buf}
					default:
						panic("response handler called with nothing signalled")
					}
				}
			case op.Operation == ast.Subscription:
				s := b.add(ctx)
				return func(context.Context) *graphql.Response {
					b.enter()
					defer b.inFlight.Add(-1)
					select {
					case <-ctx.Done():
						return nil
					case ev := <-s.ch:
						return data(ev)
					}
				}
			case field == "panic":
				return func(context.Context) *graphql.Response { panic("boom") }
			case field == "whoami":
				user, _ := ctx.Value(ctxKey{}).(string)
				token, _ := wstransport.ContextInitPayload(ctx)["token"].(string)
				return graphql.OneShot(data(user + "/" + token))
			default:
				return graphql.OneShot(data("test"))
			}
		},
	}
}

// newServer serves the test schema over the transport and returns its ws URL.
func newServer(t *testing.T, cfg wstransport.Config) (string, *broker, *handler.Server) {
	t.Helper()
	b := newBroker()
	h := handler.New(newSchema(b))
	h.AddTransport(wstransport.New(cfg))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), b, h
}

// users are the tokens authInit accepts, and whose they are.
var users = map[string]string{"secret": "alice", "secret-bob": "bob"}

// authInit accepts the tokens of users and rejects anything else.
func authInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	tok, _ := payload["token"].(string)
	user, ok := users[tok]
	if !ok {
		return nil, errors.New("bad token")
	}
	return context.WithValue(ctx, ctxKey{}, user), nil
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

type msg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func dial(t *testing.T, url string, subprotocols ...string) *client {
	t.Helper()
	d := websocket.Dialer{Subprotocols: subprotocols, HandshakeTimeout: waitTimeout}
	ws, resp, err := d.Dial(url, nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	return &client{t: t, ws: ws}
}

// dialTWS dials graphql-transport-ws and completes connection_init.
func dialTWS(t *testing.T, url string) *client {
	t.Helper()
	return dialTWSAs(t, url, "secret")
}

// dialTWSAs is dialTWS with token as the connection's credentials.
func dialTWSAs(t *testing.T, url, token string) *client {
	t.Helper()
	c := dial(t, url, "graphql-transport-ws")
	c.send(fmt.Sprintf(`{"type":"connection_init","payload":{"token":%q}}`, token))
	c.expect("connection_ack", "")
	return c
}

func (c *client) send(raw string) {
	c.t.Helper()
	require.NoError(c.t, c.ws.WriteMessage(websocket.TextMessage, []byte(raw)))
}

func (c *client) subscribe(typ, id, query string) {
	c.t.Helper()
	p, _ := json.Marshal(map[string]string{"query": query})
	c.send(fmt.Sprintf(`{"type":%q,"id":%q,"payload":%s}`, typ, id, p))
}

func (c *client) read() msg {
	c.t.Helper()
	require.NoError(c.t, c.ws.SetReadDeadline(time.Now().Add(waitTimeout)))
	var m msg
	_, data, err := c.ws.ReadMessage()
	require.NoError(c.t, err)
	require.NoError(c.t, json.Unmarshal(data, &m), string(data))
	return m
}

// expect reads one message and checks its type and id.
func (c *client) expect(typ, id string) msg {
	c.t.Helper()
	m := c.read()
	require.Equal(c.t, typ, m.Type, "payload: %s", m.Payload)
	require.Equal(c.t, id, m.ID)
	return m
}

// expectClose reads until the server's close frame and checks code and
// reason (reason "" is not checked).
func (c *client) expectClose(code int, reason string) {
	c.t.Helper()
	require.NoError(c.t, c.ws.SetReadDeadline(time.Now().Add(waitTimeout)))
	for {
		_, data, err := c.ws.ReadMessage()
		if err == nil {
			c.t.Logf("message before close: %s", data)
			continue
		}
		var ce *websocket.CloseError
		require.ErrorAs(c.t, err, &ce)
		require.Equal(c.t, code, ce.Code, "reason: %q", ce.Text)
		if reason != "" {
			require.Equal(c.t, reason, ce.Text)
		}
		return
	}
}

// dialStatus attempts an upgrade and returns the HTTP status.
func dialStatus(t *testing.T, url string, header http.Header) int {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: waitTimeout}
	ws, resp, err := d.Dial(url, header)
	if err == nil {
		_ = ws.Close()
	}
	require.NotNil(t, resp)
	_ = resp.Body.Close()
	return resp.StatusCode
}
