package resolvers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// webhookGraph is GenericWebhookTriggerBlock → AgentOutputBlock "out".
func webhookGraph(name string) map[string]any {
	return map[string]any{"name": name,
		"nodes": []map[string]any{
			{"key": "hook", "blockId": "GenericWebhookTriggerBlock", "inputDefault": map[string]any{"constants": map[string]any{"src": "test"}}},
			{"key": "out", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "out"}}},
		"links": []map[string]any{{"sourceKey": "hook", "sourceName": "payload", "sinkKey": "out", "sinkName": "value"}}}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

type hookAnswer struct {
	status int
	execID string
}

func post(t *testing.T, url, contentType string, body []byte, headers map[string]string) hookAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct{ ExecutionID string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return hookAnswer{resp.StatusCode, out.ExecutionID}
}

func TestWebhookDeliveryStartsARunWithThePayload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": webhookGraph("hooked")}, "createGraph", &g)
	var got struct {
		Webhooks []struct{ ID, URL, NodeKey string }
	}
	b.ok(tok, `query($id: ID!) { graph(id: $id) { webhooks { id url nodeKey } } }`, map[string]any{"id": g.ID}, "graph", &got)
	require.Len(t, got.Webhooks, 1)
	hook := got.Webhooks[0]
	require.Equal(t, "hook", hook.NodeKey)
	require.True(t, strings.HasSuffix(hook.URL, "/webhooks/"+hook.ID), hook.URL)

	body := []byte(`{"event":"push","n":3}`)
	// No secret yet: nothing is accepted.
	require.Equal(t, http.StatusUnauthorized, post(t, hook.URL, "application/json", body, map[string]string{"X-Agentgraph-Signature": sign("", body)}).status)

	rotate := `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`
	require.Equal(t, "NOT_FOUND", b.do(other, rotate, map[string]any{"id": hook.ID}).code(), "someone else's webhook")
	var sec struct{ Secret string }
	b.ok(tok, rotate, map[string]any{"id": hook.ID}, "rotateWebhookSecret", &sec)
	require.NotEmpty(t, sec.Secret)

	headers := map[string]string{"X-Agentgraph-Signature": sign(sec.Secret, body), "X-Agentgraph-Delivery": "delivery-1"}
	a := post(t, hook.URL, "application/json", body, headers)
	require.Equal(t, http.StatusAccepted, a.status)
	require.NotEmpty(t, a.execID)
	waitStatus(t, b, tok, a.execID, "COMPLETED")
	var ex struct {
		Outputs map[string][]any
		Trigger struct{ Kind, WebhookID, DeliveryID string }
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { outputs trigger { kind webhookId deliveryId } } }`,
		map[string]any{"id": a.execID}, "execution", &ex)
	require.Equal(t, []any{map[string]any{"event": "push", "n": 3.0}}, ex.Outputs["out"])
	require.Equal(t, "WEBHOOK", ex.Trigger.Kind)
	require.Equal(t, hook.ID, ex.Trigger.WebhookID)
	require.Equal(t, "delivery-1", ex.Trigger.DeliveryID)

	// The same delivery again: the same run.
	again := post(t, hook.URL, "application/json", body, headers)
	require.Equal(t, http.StatusAccepted, again.status)
	require.Equal(t, a.execID, again.execID)
	// The same delivery id with another body: refused.
	other2 := []byte(`{"event":"other"}`)
	require.Equal(t, http.StatusConflict, post(t, hook.URL, "application/json", other2,
		map[string]string{"X-Agentgraph-Signature": sign(sec.Secret, other2), "X-Agentgraph-Delivery": "delivery-1"}).status)

	// Refusals create no run.
	count := func() int {
		var c struct {
			Edges []any
		}
		b.ok(tok, `query($id: ID!) { executions(graphId: $id, first: 100) { edges { cursor } } }`, map[string]any{"id": g.ID}, "executions", &c)
		return len(c.Edges)
	}
	n := count()
	require.Equal(t, http.StatusUnauthorized, post(t, hook.URL, "application/json", body,
		map[string]string{"X-Agentgraph-Signature": sign("wrong", body), "X-Agentgraph-Delivery": "d-2"}).status)
	require.Equal(t, http.StatusUnauthorized, post(t, hook.URL, "application/json", body, nil).status)
	big := []byte(`{"x":"` + strings.Repeat("a", 1<<20) + `"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, post(t, hook.URL, "application/json", big,
		map[string]string{"X-Agentgraph-Signature": sign(sec.Secret, big)}).status)
	require.Equal(t, http.StatusUnsupportedMediaType, post(t, hook.URL, "text/plain", body,
		map[string]string{"X-Agentgraph-Signature": sign(sec.Secret, body)}).status)
	require.Equal(t, http.StatusNotFound, post(t, strings.TrimSuffix(hook.URL, hook.ID)+"7d2c5b1e-0000-4000-8000-000000000000",
		"application/json", body, headers).status)
	require.Equal(t, n, count(), "no refused delivery started a run")

	// A rotated secret counts at once, though the server caches its
	// lookups of the webhook: the old one is refused (and nothing stored),
	// the new one accepted.
	var sec2 struct{ Secret string }
	b.ok(tok, rotate, map[string]any{"id": hook.ID}, "rotateWebhookSecret", &sec2)
	require.Equal(t, http.StatusUnauthorized, post(t, hook.URL, "application/json", body,
		map[string]string{"X-Agentgraph-Signature": sign(sec.Secret, body), "X-Agentgraph-Delivery": "d-3"}).status)
	require.Equal(t, n, count(), "the old secret started no run")
	require.Equal(t, http.StatusAccepted, post(t, hook.URL, "application/json", body,
		map[string]string{"X-Agentgraph-Signature": sign(sec2.Secret, body), "X-Agentgraph-Delivery": "d-4"}).status)
}

func TestScheduleEverySecondRunsAndStopsWhenPaused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("every-second", 3)}, "createGraph", &g)
	var s struct {
		ID        string
		NextRunAt time.Time
		Timezone  string
	}
	b.ok(tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id nextRunAt timezone } }`,
		map[string]any{"in": map[string]any{"graphId": g.ID, "name": "tick", "cron": "* * * * * *",
			"timezone": "Europe/Berlin", "inputs": map[string]any{"x": 1}}}, "createSchedule", &s)
	require.Equal(t, "Europe/Berlin", s.Timezone)
	// Real time is the behaviour under test here: 3.5 s of an every-second cron.
	time.Sleep(3500 * time.Millisecond)
	pausing := time.Now()
	b.ok(tok, `mutation($id: ID!) { pauseSchedule(id: $id) { id } }`, map[string]any{"id": s.ID}, "pauseSchedule", nil)
	paused := time.Now()
	type run struct {
		ID      string
		Trigger struct{ Kind, ScheduleID string }
	}
	runs := func() []run {
		var list []struct{ Executions []run }
		b.ok(tok, `query($g: ID!) { schedules(graphId: $g) { executions(first: 100) { id trigger { kind scheduleId } } } }`,
			map[string]any{"g": g.ID}, "schedules", &list)
		require.Len(t, list, 1)
		return list[0].Executions
	}
	got := runs()
	// The runs kept are the occurrences due when the pause committed (the
	// later ones, fired ahead, are taken back): one a second from the
	// first, nextRunAt. The pause committed between pausing and paused,
	// which on a busy machine can be well after the 3.5 s slept, so the
	// count is bounded by those two instants rather than by the sleep.
	due := func(at time.Time) int { return int(at.Sub(s.NextRunAt)/time.Second) + 1 }
	require.GreaterOrEqual(t, len(got), due(pausing), "every occurrence due before the pause ran (first %s, pause from %s to %s)",
		s.NextRunAt.Format(time.StampMilli), pausing.Format(time.StampMilli), paused.Format(time.StampMilli))
	require.LessOrEqual(t, len(got), due(paused), "no occurrence after the pause ran (first %s, pause from %s to %s)",
		s.NextRunAt.Format(time.StampMilli), pausing.Format(time.StampMilli), paused.Format(time.StampMilli))
	require.GreaterOrEqual(t, len(got), 3, "3.5 s of an every-second schedule")
	for _, r := range got {
		require.Equal(t, "SCHEDULE", r.Trigger.Kind)
		require.Equal(t, s.ID, r.Trigger.ScheduleID)
	}
	time.Sleep(1500 * time.Millisecond) // a paused schedule stays silent
	require.Len(t, runs(), len(got), "a paused schedule never fires")
}

func TestScheduleBadInputStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	_, other := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": chainGraph("sched-bad", 3)}, "createGraph", &g)
	create := `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id } }`
	in := func(mod map[string]any) map[string]any {
		m := map[string]any{"graphId": g.ID, "name": "s", "cron": "0 9 * * *", "timezone": "UTC", "inputs": map[string]any{"x": 1}}
		for k, v := range mod {
			m[k] = v
		}
		return map[string]any{"in": m}
	}
	cases := []struct {
		tok   string
		mod   map[string]any
		code  string
		field string
	}{
		{tok, map[string]any{"timezone": "Mars/Phobos"}, "BAD_USER_INPUT", "input.timezone"},
		{tok, map[string]any{"cron": "61 * * * *"}, "BAD_USER_INPUT", "input.cron"},
		{tok, map[string]any{"cron": "@every 0s"}, "BAD_USER_INPUT", "input.cron"},
		{tok, map[string]any{"cron": "@every -5m"}, "BAD_USER_INPUT", "input.cron"},
		{tok, map[string]any{"inputs": map[string]any{"x": 1, "nope": 1}}, "BAD_USER_INPUT", "input.inputs.nope"},
		{tok, map[string]any{"inputs": map[string]any{}}, "BAD_USER_INPUT", "input.inputs.x"},
		{tok, map[string]any{"name": ""}, "BAD_USER_INPUT", "input.name"},
		{other, nil, "NOT_FOUND", ""},
	}
	for _, c := range cases {
		r := b.do(c.tok, create, in(c.mod))
		require.Equal(t, c.code, r.code(), "%v: %+v", c.mod, r.Errors)
		if c.field != "" {
			require.Contains(t, r.Errors[0].Message, c.field)
		}
	}
	var list []any
	b.ok(tok, `query($g: ID!) { schedules(graphId: $g) { id } }`, map[string]any{"g": g.ID}, "schedules", &list)
	require.Empty(t, list, "nothing stored")
}

// rotate gives the graph's one webhook a secret and returns it with its URL.
func rotate(t *testing.T, b *bundle, tok, graphID string) (url, secret, provider string) {
	t.Helper()
	var got struct {
		Webhooks []struct{ ID, URL, Provider string }
	}
	b.ok(tok, `query($id: ID!) { graph(id: $id) { webhooks { id url provider } } }`, map[string]any{"id": graphID}, "graph", &got)
	require.Len(t, got.Webhooks, 1)
	var sec struct{ Secret string }
	b.ok(tok, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": got.Webhooks[0].ID},
		"rotateWebhookSecret", &sec)
	return got.Webhooks[0].URL, sec.Secret, got.Webhooks[0].Provider
}

func TestWebhookOverTheOwnersRunLimitAnswers429(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *setupOptions) { o.maxRunsPerUser = 1 })
	_, tok := b.user(model.RoleUser)
	// The delivery's run waits a minute, so it is in progress while the
	// next delivery arrives, whatever the timing.
	g := webhookGraph("limited")
	g["nodes"] = append(g["nodes"].([]map[string]any),
		map[string]any{"key": "wait", "blockId": "WaitBlock", "inputDefault": map[string]any{"seconds": 60}})
	g["links"] = []map[string]any{
		{"sourceKey": "hook", "sourceName": "payload", "sinkKey": "wait", "sinkName": "data"},
		{"sourceKey": "wait", "sourceName": "data", "sinkKey": "out", "sinkName": "value"}}
	var gr struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": g}, "createGraph", &gr)
	url, secret, _ := rotate(t, b, tok, gr.ID)
	deliver := func(id string) hookAnswer {
		body := []byte(`{"n":"` + id + `"}`)
		return post(t, url, "application/json", body, map[string]string{
			"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": id})
	}
	first := deliver("one")
	require.Equal(t, http.StatusAccepted, first.status)
	waitStatus(t, b, tok, first.execID, "RUNNING")

	over := deliver("two")
	require.Equal(t, http.StatusTooManyRequests, over.status, "the owner has 1 run in progress, the limit is 1")
	require.Empty(t, over.execID)
	var runs struct{ Edges []any }
	b.ok(tok, `query($id: ID!) { executions(graphId: $id, first: 10) { edges { cursor } } }`, map[string]any{"id": gr.ID}, "executions", &runs)
	require.Len(t, runs.Edges, 1, "the refused delivery started nothing")
	again := deliver("one")
	require.Equal(t, http.StatusAccepted, again.status, "a replay answers its run, even over the limit")
	require.Equal(t, first.execID, again.execID)

	b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { status } }`, map[string]any{"id": first.execID}, "cancelExecution", nil)
	waitStatus(t, b, tok, first.execID, "CANCELLED")
	later := deliver("two")
	require.Equal(t, http.StatusAccepted, later.status, "under the limit again, the refused delivery is accepted")
	b.ok(tok, `mutation($id: ID!) { cancelExecution(id: $id) { status } }`, map[string]any{"id": later.execID}, "cancelExecution", nil)
}

func TestGitHubWebhookAcceptsGitHubHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	gh := webhookGraph("github")
	gh["nodes"].([]map[string]any)[0]["inputDefault"] = map[string]any{"provider": "github"}
	var g, plain struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": gh}, "createGraph", &g)
	b.ok(tok, createGraph, map[string]any{"in": webhookGraph("not-github")}, "createGraph", &plain)
	url, secret, provider := rotate(t, b, tok, g.ID)
	require.Equal(t, "github", provider)

	body := []byte(`{"action":"opened","number":7}`)
	headers := map[string]string{"X-Hub-Signature-256": sign(secret, body), "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
		"X-GitHub-Event": "pull_request"}
	a := post(t, url, "application/json", body, headers)
	require.Equal(t, http.StatusAccepted, a.status)
	waitStatus(t, b, tok, a.execID, "COMPLETED")
	var ex struct {
		Outputs map[string][]any
		Trigger struct{ Kind, DeliveryID string }
	}
	b.ok(tok, `query($id: ID!) { execution(id: $id) { outputs trigger { kind deliveryId } } }`, map[string]any{"id": a.execID}, "execution", &ex)
	require.Equal(t, []any{map[string]any{"action": "opened", "number": 7.0}}, ex.Outputs["out"])
	require.Equal(t, "WEBHOOK", ex.Trigger.Kind)
	require.Equal(t, "72d3162e-cc78-11e3-81ab-4c9367dc0958", ex.Trigger.DeliveryID, "X-GitHub-Delivery is the idempotency key")
	require.Equal(t, a.execID, post(t, url, "application/json", body, headers).execID, "GitHub's redelivery answers the same run")

	// A wrong GitHub signature, and GitHub's header on a webhook not marked
	// as GitHub's, are refused.
	require.Equal(t, http.StatusUnauthorized, post(t, url, "application/json", body, map[string]string{
		"X-Hub-Signature-256": sign("wrong", body), "X-GitHub-Delivery": "other"}).status)
	plainURL, plainSecret, plainProvider := rotate(t, b, tok, plain.ID)
	require.Equal(t, "agentgraph", plainProvider)
	require.Equal(t, http.StatusUnauthorized, post(t, plainURL, "application/json", body, map[string]string{
		"X-Hub-Signature-256": sign(plainSecret, body), "X-GitHub-Delivery": "gh-on-plain"}).status)
	var runs struct{ Edges []any }
	b.ok(tok, `query($id: ID!) { executions(graphId: $id, first: 10) { edges { cursor } } }`, map[string]any{"id": plain.ID}, "executions", &runs)
	require.Empty(t, runs.Edges, "nothing ran on the refused delivery")
}

func TestWebhookRefusesBodiesThatAreNotJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": webhookGraph("types")}, "createGraph", &g)
	url, secret, _ := rotate(t, b, tok, g.ID)
	body := []byte(`{"a":1}`)
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"} {
		require.Equal(t, http.StatusUnsupportedMediaType, post(t, url, ct, body, map[string]string{
			"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": "ct-" + ct}).status, "Content-Type %q", ct)
	}
	// JSON under its other names is accepted.
	for i, ct := range []string{"application/json; charset=utf-8", "application/vnd.github+json"} {
		a := post(t, url, ct, body, map[string]string{"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": fmt.Sprint("ok-", i)})
		require.Equal(t, http.StatusAccepted, a.status, "Content-Type %q", ct)
	}
	var runs struct{ Edges []any }
	b.ok(tok, `query($id: ID!) { executions(graphId: $id, first: 10) { edges { cursor } } }`, map[string]any{"id": g.ID}, "executions", &runs)
	require.Len(t, runs.Edges, 2, "only the JSON deliveries ran")
}

// A delivery Postgres could not store (a NUL escape anywhere in the JSON,
// invalid UTF-8 in the body or the delivery id) is the sender's mistake:
// 400, never 500 (which senders retry for ever), and nothing runs.
func TestWebhookRefusesWhatCannotBeStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": webhookGraph("unstorable")}, "createGraph", &g)
	url, secret, _ := rotate(t, b, tok, g.ID)
	for i, body := range [][]byte{
		[]byte(`{"a":"x\u0000y"}`),
		[]byte(`{"a":[1,{"b":"\u0000"}]}`),
		[]byte(`{"k\u0000":1}`),
		[]byte("{\"a\":\"\xff\xfe\"}"),
	} {
		a := post(t, url, "application/json", body, map[string]string{
			"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": fmt.Sprint("nul-", i)})
		require.Equal(t, http.StatusBadRequest, a.status, "%s", body)
	}
	body := []byte(`{"a":"\\u0000 is text here"}`) // an escaped backslash: no NUL
	require.Equal(t, http.StatusAccepted, post(t, url, "application/json", body, map[string]string{
		"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": "plain"}).status)
	body = []byte(`{"a":1}`)
	require.Equal(t, http.StatusBadRequest, post(t, url, "application/json", body, map[string]string{
		"X-Agentgraph-Signature": sign(secret, body), "X-Agentgraph-Delivery": "bad-\xff\xfe"}).status)
	var runs struct{ Edges []any }
	b.ok(tok, `query($id: ID!) { executions(graphId: $id, first: 10) { edges { cursor } } }`, map[string]any{"id": g.ID}, "executions", &runs)
	require.Len(t, runs.Edges, 1, "only the storable delivery ran")
}

// A list of graphs with their webhooks, and a list of schedules with their
// runs, cost the same number of SQL statements for 2 parents as for 10.
func TestTriggerListsCostBoundedStatements(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hooks := func(n int) (stmts int64) {
		_, tok := b.user(model.RoleUser)
		for i := range n {
			b.ok(tok, createGraph, map[string]any{"in": webhookGraph(fmt.Sprint("hooks-", i))}, "createGraph", nil)
		}
		var got struct {
			Edges []struct {
				Node struct{ Webhooks []struct{ URL string } }
			}
		}
		stmts = b.fewestStatements(func() {
			b.ok(tok, `{ graphs(first: 100) { edges { node { webhooks { url } } } } }`, nil, "graphs", &got)
		})
		require.Len(t, got.Edges, n)
		for _, e := range got.Edges {
			require.Len(t, e.Node.Webhooks, 1)
		}
		return stmts
	}
	require.Equal(t, hooks(2), hooks(10), "Graph.webhooks: statements for 2 graphs vs 10")

	schedules := func(n int) (stmts int64) {
		_, tok := b.user(model.RoleUser)
		var g struct{ ID string }
		b.ok(tok, createGraph, map[string]any{"in": chainGraph(fmt.Sprint("sched-list-", n), 2)}, "createGraph", &g)
		for i := range n {
			b.ok(tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"graphId": g.ID, "name": fmt.Sprint("s", i), "cron": "0 9 1 1 *",
					"timezone": "UTC", "inputs": map[string]any{"x": 1}}}, "createSchedule", nil)
		}
		var got []struct{ Executions []struct{ ID string } }
		stmts = b.fewestStatements(func() {
			b.ok(tok, `query($g: ID!) { schedules(graphId: $g) { executions(first: 5) { id } } }`, map[string]any{"g": g.ID}, "schedules", &got)
		})
		require.Len(t, got, n)
		return stmts
	}
	require.Equal(t, schedules(2), schedules(10), "Schedule.executions: statements for 2 schedules vs 10")
}

// A schedule's secret input reads "********" (Schedule.inputs). A client
// editing the schedule sends back the inputs it read, with only what its
// user changed: the mask, sent exactly, keeps the stored secret, so the
// runs the edited schedule fires still get it; a secret typed anew
// replaces it, and "********" on an input that is not secret is a value.
// Was: the mask was stored as the secret, and every later run got
// "********".
func TestUpdateScheduleKeepsAMaskedSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner, tok := b.user(model.RoleUser)
	var g struct{ ID string }
	b.ok(tok, createGraph, map[string]any{"in": map[string]any{"name": "sched-secret", "nodes": []map[string]any{
		{"key": "key", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "key", "secret": true}},
		{"key": "note", "blockId": "AgentInputBlock", "inputDefault": map[string]any{"name": "note"}},
		{"key": "seen", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "seen"}},
		{"key": "noted", "blockId": "AgentOutputBlock", "inputDefault": map[string]any{"name": "noted"}}},
		"links": []map[string]any{
			{"sourceKey": "key", "sourceName": "result", "sinkKey": "seen", "sinkName": "value"},
			{"sourceKey": "note", "sourceName": "result", "sinkKey": "noted", "sinkName": "value"}}}}, "createGraph", &g)
	type sched struct {
		ID, Name, Cron, Timezone string
		GraphVersion             int
		Inputs                   map[string]any
	}
	var s sched
	b.ok(tok, `mutation($in: ScheduleInput!) { createSchedule(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"graphId": g.ID, "name": "nightly", "cron": "0 3 1 1 *", "timezone": "UTC",
		"inputs": map[string]any{"key": "sk-real-123", "note": "first"}}}, "createSchedule", &s)
	var read []sched
	b.ok(tok, `query($g: ID!) { schedules(graphId: $g) { id name cron timezone graphVersion inputs } }`, map[string]any{"g": g.ID}, "schedules", &read)
	require.Len(t, read, 1)
	require.Equal(t, map[string]any{"key": "********", "note": "first"}, read[0].Inputs, "the secret reads masked")

	// The client sends back what it read, its user having changed the note
	// and the cron (every second, to see the schedule fire).
	edited := read[0].Inputs
	edited["note"] = "second"
	update := `mutation($id: ID!, $in: ScheduleInput!) { updateSchedule(id: $id, input: $in) { inputs } }`
	in := map[string]any{"graphId": g.ID, "graphVersion": read[0].GraphVersion, "name": read[0].Name, "cron": "* * * * * *",
		"timezone": read[0].Timezone, "inputs": edited}
	var updated sched
	b.ok(tok, update, map[string]any{"id": s.ID, "in": in}, "updateSchedule", &updated)
	require.Equal(t, map[string]any{"key": "********", "note": "second"}, updated.Inputs)
	stored := func() map[string]any {
		row, err := b.store.ScheduleGet(context.Background(), owner.ID, uuid.MustParse(s.ID))
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(row.Inputs, &m))
		return m
	}
	require.Equal(t, map[string]any{"key": "sk-real-123", "note": "second"}, stored())

	// The run the edited schedule fires gets the real secret (its graph
	// prints it: an output that is not secret).
	var run struct {
		Status  string
		Outputs map[string][]any
	}
	require.Eventually(t, func() bool {
		var list []struct {
			Executions []struct {
				Status  string
				Outputs map[string][]any
			}
		}
		b.ok(tok, `query($g: ID!) { schedules(graphId: $g) { executions(first: 1) { status outputs } } }`, map[string]any{"g": g.ID}, "schedules", &list)
		if len(list[0].Executions) == 0 || list[0].Executions[0].Status != "COMPLETED" {
			return false
		}
		run = list[0].Executions[0]
		return true
	}, 20*time.Second, 50*time.Millisecond, "the edited schedule fires")
	b.ok(tok, `mutation($id: ID!) { pauseSchedule(id: $id) { id } }`, map[string]any{"id": s.ID}, "pauseSchedule", nil)
	require.Equal(t, map[string][]any{"seen": {"sk-real-123"}, "noted": {"second"}}, run.Outputs)

	// A secret typed anew replaces the stored one; the mask on an input
	// that is not secret is stored as given.
	in["inputs"] = map[string]any{"key": "sk-new-456", "note": "********"}
	b.ok(tok, update, map[string]any{"id": s.ID, "in": in}, "updateSchedule", nil)
	require.Equal(t, map[string]any{"key": "sk-new-456", "note": "********"}, stored())
}
