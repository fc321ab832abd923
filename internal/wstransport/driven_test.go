package wstransport_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/wstransport"
)

// Frames offered before the drain started are not lost, drains never
// overlap, frames keep their order, and a limit bounds what waits (limit 0
// never refuses). (Moved from the former internal/opstream.)
func TestDriverOrderLimitAndEarlyOffers(t *testing.T) {
	t.Parallel()
	const limit = 64
	d := &wstransport.Driver{}
	for i := range limit {
		require.True(t, d.Offer(wstransport.Frame{Key: i}, limit))
	}
	require.False(t, d.Offer(wstransport.Frame{Key: -1}, limit), "over the limit")
	require.True(t, d.Offer(wstransport.Frame{Key: limit}, 0), "forced")
	got := make(chan int, 1000)
	active := make(chan struct{}, 1)
	d.Start(func(frames []wstransport.Frame) {
		select {
		case active <- struct{}{}:
		default:
			t.Error("two drains at once")
		}
		for _, f := range frames {
			got <- f.Key.(int)
		}
		<-active
	})
	for want := 0; want <= limit; want++ {
		require.Equal(t, want, <-got)
	}
	for i := range 500 {
		require.True(t, d.Offer(wstransport.Frame{Key: 1000 + i}, 0))
	}
	for want := 1000; want < 1500; want++ {
		select {
		case k := <-got:
			require.Equal(t, want, k)
		case <-time.After(waitTimeout):
			t.Fatalf("drained up to %d of 1500", want)
		}
	}
}

func (b *broker) waitPushed(t *testing.T) *pushedSub {
	t.Helper()
	select {
	case p := <-b.pushed:
		return p
	case <-time.After(waitTimeout):
		t.Fatal("no pushed subscription reached the resolver")
		return nil
	}
}

// A resolver that takes the operation's Driver is driven on demand: results arrive in order, the stream's end completes the
// operation, and an idle subscription holds no goroutine of its own (the
// handler panics if it is ever called with nothing signalled).
func TestDrivenSubscriptionIsDrivenOnDemand(t *testing.T) {
	url, b, _ := newServer(t, wstransport.Config{})
	c := dialTWS(t, url)

	base := runtime.NumGoroutine()
	const idle = 50
	for i := range idle {
		c.subscribe("subscribe", "idle"+strconv.Itoa(i), "subscription { pushed }")
		b.waitPushed(t)
	}
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= base+2 }, waitTimeout, 10*time.Millisecond,
		"idle driven subscriptions must not park goroutines (%d more)", runtime.NumGoroutine()-base)

	c.subscribe("subscribe", "live", "subscription { pushed }")
	p := b.waitPushed(t)
	for i := range 100 {
		p.push("v"+strconv.Itoa(i), false)
	}
	for i := range 100 {
		m := c.expect("next", "live")
		var got struct{ Data struct{ Pushed string } }
		require.NoError(t, json.Unmarshal(m.Payload, &got))
		require.Equal(t, "v"+strconv.Itoa(i), got.Data.Pushed)
	}
	p.push("", true)
	c.expect("complete", "live")

	// A client's complete ends it too: the resolver's context is cancelled.
	c.subscribe("subscribe", "stopped", "subscription { pushed }")
	p = b.waitPushed(t)
	c.send(`{"type":"complete","id":"stopped"}`)
	select {
	case <-p.ctx.Done():
	case <-time.After(waitTimeout):
		t.Fatal("resolver context not cancelled by the client's complete")
	}
}

// A resolver that takes the Driver and then fails hands it back: its error
// is answered and the operation completes, instead of waiting forever for
// frames that will never come.
func TestReleasedDriverAnswersTheResolversError(t *testing.T) {
	url, _, _ := newServer(t, wstransport.Config{})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "r", "subscription { refused }")
	m := c.expect("next", "r")
	require.JSONEq(t, `{"data":null,"errors":[{"message":"refused"}]}`, string(m.Payload))
	c.expect("complete", "r")
}

// Operations of the same shape share one rendering of the same keyed
// value; a different query, or a value without a key, is rendered anew.
func TestDrivenResultsAreSharedByShape(t *testing.T) {
	url, b, _ := newServer(t, wstransport.Config{})
	const q = "subscription { pushed }"
	var subs []*pushedSub
	var clients []*client
	for i, query := range []string{q, q, "subscription { other: pushed }"} {
		c := dialTWS(t, url)
		c.subscribe("subscribe", "s"+strconv.Itoa(i), query)
		subs = append(subs, b.waitPushed(t))
		clients = append(clients, c)
	}
	base := b.renders.Load()
	ev := new(int) // the shared value's identity
	for _, p := range subs {
		p.offer(ev, "shared", false)
	}
	for i, c := range clients {
		m := c.expect("next", "s"+strconv.Itoa(i))
		require.Contains(t, string(m.Payload), `"shared"`)
	}
	require.EqualValues(t, 2, b.renders.Load()-base, "one rendering per shape")

	for _, p := range subs[:2] {
		p.offer(nil, "own", false)
	}
	for i, c := range clients[:2] {
		c.expect("next", "s"+strconv.Itoa(i))
	}
	require.EqualValues(t, 4, b.renders.Load()-base, "no key, no sharing")
}

// Renderings are shared per viewer: two users with the same operation on
// the same value get a rendering each, while one user's two subscriptions
// (here on two connections) still share one.
func TestDrivenResultsAreNeverSharedBetweenViewers(t *testing.T) {
	url, b, _ := newServer(t, wstransport.Config{InitFunc: authInit})
	const q = "subscription { pushed }"
	var subs []*pushedSub
	var clients []*client
	for i, token := range []string{"secret", "secret", "secret-bob"} {
		c := dialTWSAs(t, url, token)
		c.subscribe("subscribe", "s"+strconv.Itoa(i), q)
		subs = append(subs, b.waitPushed(t))
		clients = append(clients, c)
	}
	require.Equal(t, subs[0].viewer, subs[1].viewer)
	require.NotEqual(t, subs[0].viewer, subs[2].viewer)
	base := b.renders.Load()
	ev := new(int) // the shared value's identity
	for _, p := range subs {
		p.offer(ev, "shared", false)
	}
	for i, c := range clients {
		m := c.expect("next", "s"+strconv.Itoa(i))
		require.JSONEq(t, `{"data":{"pushed":"shared"}}`, string(m.Payload))
	}
	require.EqualValues(t, 2, b.renders.Load()-base, "one rendering per viewer: alice's two subscriptions share, bob's is his own")

	// A frame without a viewer is never shared, even with a key.
	anon := new(int)
	for _, p := range subs[:2] {
		p.viewer = ""
		p.offer(anon, "anonymous", false)
	}
	for i, c := range clients[:2] {
		c.expect("next", "s"+strconv.Itoa(i))
	}
	require.EqualValues(t, 4, b.renders.Load()-base, "no viewer, no sharing")
}

// A shared rendering outlives the next result of the operation that
// rendered it (gqlgen reuses its output buffer per operation).
func TestSharedRenderingIsACopy(t *testing.T) {
	url, b, _ := newServer(t, wstransport.Config{})
	owner, late := dialTWS(t, url), dialTWS(t, url)
	owner.subscribe("subscribe", "a", "subscription { pushed }")
	pa := b.waitPushed(t)
	late.subscribe("subscribe", "b", "subscription { pushed }")
	pb := b.waitPushed(t)
	k1, k2 := new(int), new(int)
	pa.offer(k1, "the first, longer value", false)
	require.Contains(t, string(owner.expect("next", "a").Payload), `"the first, longer value"`)
	pa.offer(k2, "2nd", false) // rendered into the same buffer
	require.Contains(t, string(owner.expect("next", "a").Payload), `"2nd"`)
	pb.offer(k1, "the first, longer value", false) // rendered from the cache
	require.JSONEq(t, `{"data":{"pushed":"the first, longer value"}}`, string(late.expect("next", "b").Payload))
}

// A Config.Plain renderer writes the frames it accepts without the
// executor; a frame it declines is rendered by the executor, in order; a
// renderer that panics ends the operation with an error, as a resolver's
// panic does.
func TestPlainRendererBypassesTheExecutor(t *testing.T) {
	plain := func(rc *graphql.OperationContext) func(context.Context, any) ([]byte, bool) {
		if !strings.Contains(rc.RawQuery, "pushed") {
			return nil
		}
		return func(_ context.Context, v any) ([]byte, bool) {
			switch s := v.(string); s {
			case "executor":
				return nil, false
			case "panic":
				panic("renderer broke")
			default:
				return []byte(`{"pushed":"plain ` + s + `"}`), true
			}
		}
	}
	url, b, _ := newServer(t, wstransport.Config{Plain: plain})
	c := dialTWS(t, url)
	c.subscribe("subscribe", "p", "subscription { pushed }")
	p := b.waitPushed(t)
	offer := func(v string) {
		p.d.Offer(wstransport.Frame{Deliver: func() bool { p.ch <- v; return true }, Value: func() any { return v }}, 0)
	}
	base := b.renders.Load()
	for _, v := range []string{"a", "executor", "b"} {
		offer(v)
	}
	for _, want := range []string{"plain a", "executor", "plain b"} {
		require.JSONEq(t, `{"data":{"pushed":"`+want+`"}}`, string(c.expect("next", "p").Payload))
	}
	require.EqualValues(t, 1, b.renders.Load()-base, "only the declined frame went through the executor")
	offer("panic")
	m := c.expect("error", "p")
	require.Contains(t, string(m.Payload), "internal system error")
}
