package resolvers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/alerting"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/sysmetrics"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

// The check, on the real stack: with a 1 s interval, an admin's
// rule that always holds reaches a local receiver as one signed POST
// naming it within 5 s; alertEvents lists it FIRING, live and as a page;
// once the rule is deleted nothing more is sent.
func TestAlertRuleFiresAndNotifiesOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, admin := b.user(model.RoleAdmin)
	_, mod := b.user(model.RoleModerator)
	_, user := b.user(model.RoleUser)

	type hook struct {
		body []byte
		sig  string
	}
	var mu sync.Mutex
	var hooks []hook
	got := make(chan struct{}, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks = append(hooks, hook{body, r.Header.Get("X-Agentgraph-Signature")})
		mu.Unlock()
		got <- struct{}{}
	}))
	t.Cleanup(rcv.Close)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(hooks) }

	// One evaluator on the package's database, as one process of a
	// deployment would run (the lease keeps it single anyway).
	rounds := make(chan struct{}, 100)
	secret := []byte("whsec-test")
	ev := alerting.New(b.store, &sysmetrics.Sampler{Store: b.store},
		&alerting.Notifier{WebhookSecret: secret, AllowPrivateNetwork: true}, b.logger,
		alerting.Options{Interval: time.Second, AfterRound: func() {
			select {
			case rounds <- struct{}{}:
			default:
			}
		}})
	require.NoError(t, ev.Start(context.Background()))
	t.Cleanup(ev.Stop)

	// A moderator watches the alerts live; a user may not.
	ws := dialWS(t, b, mod)
	ws.send(map[string]any{"type": "subscribe", "id": "a", "payload": map[string]any{
		"query": `subscription { alertEvents { rule state severity threshold } }`}})
	require.Equal(t, "FORBIDDEN", b.do(user, `{ alertEvents { edges { cursor } } }`, nil).code())

	// Bad input: a channel that does not parse, a negative for duration.
	create := `mutation($in: AlertRuleInput!) { createAlertRule(input: $in) { id state forSeconds } }`
	bad := b.do(admin, create, map[string]any{"in": map[string]any{"name": "bad", "condition": "health_score <",
		"threshold": 101, "severity": "HIGH", "notificationChannels": []string{"pager:1"}}})
	require.Equal(t, "BAD_USER_INPUT", bad.code())
	bad = b.do(admin, create, map[string]any{"in": map[string]any{"name": "bad", "condition": "health_score <",
		"threshold": 101, "severity": "HIGH", "forSeconds": -1}})
	require.Equal(t, "BAD_USER_INPUT", bad.code())

	// A name of its own: the package's database outlives one run of the test (-count).
	name := "always-" + testenv.RandomSuffix(6)
	start := time.Now()
	var rule struct {
		ID         string
		State      string
		ForSeconds int
	}
	b.ok(admin, create, map[string]any{"in": map[string]any{"name": name, "condition": "health_score <",
		"threshold": 101, "severity": "HIGH", "notificationChannels": []string{"webhook:" + rcv.URL + "/hook"}}},
		"createAlertRule", &rule)
	require.Equal(t, "OK", rule.State)
	require.Equal(t, 0, rule.ForSeconds)

	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5 s")
	}
	require.Less(t, time.Since(start), 5*time.Second)
	mu.Lock()
	h := hooks[0]
	mu.Unlock()
	require.Equal(t, alerting.Sign(secret, h.body), h.sig)
	var p alerting.Payload
	require.NoError(t, json.Unmarshal(h.body, &p))
	require.Equal(t, name, p.Rule)
	require.Equal(t, rule.ID, p.RuleID)
	require.Equal(t, "FIRING", p.State)
	require.Equal(t, "HIGH", p.Severity)

	// Live: the moderator's subscription got the event. Other tests of the
	// package run rules of their own (every rule is evaluated), so their
	// events are skipped.
	var raw []byte
	for {
		m := ws.next()
		require.Equal(t, "next", m["type"], "%v", m)
		raw, _ = json.Marshal(m["payload"])
		if strings.Contains(string(raw), `"rule":"`+name+`"`) {
			break
		}
	}
	require.JSONEq(t, `{"data":{"alertEvents":{"rule":"`+name+`","state":"FIRING","severity":"HIGH","threshold":101}}}`, string(raw))

	// The round that sent it has committed its outcome once the next round ends.
	drain(rounds)
	<-rounds
	type Event struct {
		Rule, State string
		RuleID      *string
		Deliveries  []struct {
			Channel, Status string
			Attempts        int
			LastError       *string
		}
	}
	var page struct {
		Edges []struct{ Node Event }
	}
	ours := func() []Event {
		b.ok(admin, `{ alertEvents(first: 100) { edges { node { rule state ruleId deliveries { channel status attempts lastError } } } } }`,
			nil, "alertEvents", &page)
		var out []Event
		for _, e := range page.Edges {
			if e.Node.Rule == name {
				out = append(out, e.Node)
			}
		}
		return out
	}
	evs := ours()
	require.Len(t, evs, 1)
	n := evs[0]
	require.Equal(t, "FIRING", n.State)
	require.Len(t, n.Deliveries, 1)
	require.Equal(t, "webhook:"+rcv.URL+"/hook", n.Deliveries[0].Channel)
	require.Equal(t, "SENT", n.Deliveries[0].Status)
	require.Equal(t, 1, n.Deliveries[0].Attempts)
	require.Nil(t, n.Deliveries[0].LastError)
	var rules []struct{ Name, State string }
	b.ok(mod, `{ alertRules { name state } }`, nil, "alertRules", &rules)
	require.Contains(t, rules, struct{ Name, State string }{name, "FIRING"})

	// Deleting the rule: later rounds send nothing.
	b.ok(admin, `mutation($id: ID!) { deleteAlertRule(id: $id) }`, map[string]any{"id": rule.ID}, "", nil)
	drain(rounds)
	<-rounds
	<-rounds
	require.Equal(t, 1, count(), "nothing more after the rule is deleted")
	evs = ours()
	require.Len(t, evs, 1)
	require.Nil(t, evs[0].RuleID, "the history stays; its rule is gone")

	require.Equal(t, "BAD_USER_INPUT", b.do(admin, `{ alertEvents(after: "nonsense") { edges { cursor } } }`, nil).code())
}

func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// The built-in late-run rule's name is not a user rule's, and alertEvents
// pages hold 1 to 100 events, as the schema says: both BAD_USER_INPUT, and
// no rule is stored.
func TestAlertRuleReservedNameAndAlertEventsFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, admin := b.user(model.RoleAdmin)
	for _, name := range []string{"queued_runs_late", " Queued_Runs_Late "} {
		r := b.do(admin, `mutation($n: String!) { createAlertRule(input: {name: $n, condition: "cpu_usage >", threshold: 1, severity: LOW}) { id } }`,
			map[string]any{"n": name})
		require.Equal(t, "BAD_USER_INPUT", r.code(), "%q: %+v", name, r.Errors)
		require.Equal(t, "input.name", r.Errors[0].Extensions["field"])
	}
	var rules []struct{ Name string }
	b.ok(admin, `{ alertRules { name } }`, nil, "alertRules", &rules)
	for _, rule := range rules {
		require.NotEqual(t, "queued_runs_late", strings.ToLower(rule.Name))
	}
	for _, first := range []int{0, -1, 101} {
		r := b.do(admin, `query($f: Int) { alertEvents(first: $f) { edges { cursor } } }`, map[string]any{"f": first})
		require.Equal(t, "BAD_USER_INPUT", r.code(), "first %d: %+v", first, r.Errors)
	}
	b.ok(admin, `{ alertEvents(first: 1) { edges { cursor } } }`, nil, "", nil)
}
