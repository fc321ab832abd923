package blocks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentgraph/agentgraph/blocks/gmailstub"
	"github.com/stretchr/testify/require"
)

func gmailRC(stub *gmailstub.Stub, token string) *RunContext {
	// No trailing slash: the client's paths must still join to it.
	return &RunContext{InputCredential: &Credential{Provider: "google", Type: AuthOAuth2, Secret: token,
		Endpoints: map[string]string{"gmail": stub.URL}}}
}

func TestGmailSendAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := gmailstub.New()
	t.Cleanup(stub.Close)
	ctx := context.Background()
	rc := gmailRC(stub, gmailstub.Token)
	var used int64
	rc.Use = func(kind CostType, n int64) error {
		require.Equal(t, CostRequest, kind)
		used += n
		return nil
	}
	body := "Hello Ann,\n\nthis line is long enough for its base64 to be wrapped over several lines: ünïcödé ✓.\n"
	got, err := runCtx(t, ctx, rc, "GmailSendBlock", map[string]any{
		"credentials": map[string]any{"id": "00000000-0000-0000-0000-000000000001"},
		"to":          []any{"Ann Example <ann@example.com>", ""}, "cc": []any{"bob@example.com, carl@example.com"},
		"bcc": []any{"dee@example.com"}, "subject": "Your weekly newsletter — Ünïcode", "body": body})
	require.NoError(t, err)
	require.Equal(t, outs("result", map[string]any{"id": "sent1", "status": "sent"}), got)
	require.Equal(t, int64(1), used, "one REQUEST")
	sent := stub.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, []string{"ann@example.com"}, sent[0].To, "the unset [\"\"] entry is skipped")
	require.Equal(t, []string{"bob@example.com", "carl@example.com"}, sent[0].Cc)
	require.Equal(t, []string{"dee@example.com"}, sent[0].Bcc)
	require.Equal(t, "Your weekly newsletter — Ünïcode", sent[0].Subject)
	require.Equal(t, body, sent[0].Body)
	require.Equal(t, "text/plain", sent[0].ContentType)
	require.Equal(t, "utf-8", sent[0].Charset)
	require.Equal(t, []string{"POST /gmail/v1/users/me/messages/send"}, stub.Requests())

	// auto: an HTML body goes as text/html; plain and html say so.
	for _, tc := range []struct {
		ct   any
		body string
		want string
	}{
		{"auto", "<h2>News</h2><p>Hi</p>", "text/html"},
		{nil, "1 < 2 and 3 > 2", "text/plain"},
		{"plain", "<p>shown as is</p>", "text/plain"},
		{"html", "no tags", "text/html"},
	} {
		in := map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": tc.body}
		if tc.ct != nil { // unset, as a null default is
			in["content_type"] = tc.ct
		}
		_, err := runCtx(t, ctx, rc, "GmailSendBlock", in)
		require.NoError(t, err)
		last := stub.Sent()[len(stub.Sent())-1]
		require.Equal(t, tc.want, last.ContentType, "%v %q", tc.ct, tc.body)
		require.Equal(t, tc.body, last.Body)
	}

	// A line break in the subject cannot add a header of its own.
	_, err = runCtx(t, ctx, rc, "GmailSendBlock", map[string]any{"to": []any{"ann@example.com"}, "subject": "Hi\r\nBcc: evil@example.com", "body": "b"})
	require.NoError(t, err)
	last := stub.Sent()[len(stub.Sent())-1]
	require.Empty(t, last.Bcc)
	require.Equal(t, "Hi Bcc: evil@example.com", last.Subject)

	// Refused before any request: AutoGPT's required fields, addresses,
	// attachments that are neither data: URIs nor URLs, or that cannot be
	// read.
	n := len(stub.Requests())
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"to": []any{""}, "subject": "S", "body": "B"}, "To, subject, and body are required for sending an email"},
		{map[string]any{"to": []any{"ann@example.com"}, "subject": " ", "body": "B"}, "To, subject, and body are required"},
		{map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": ""}, "To, subject, and body are required"},
		{map[string]any{"to": []any{"not an address"}, "subject": "S", "body": "B"}, `to: "not an address" is not an email address`},
		{map[string]any{"to": []any{"ann@example.com"}, "cc": []any{"x@"}, "subject": "S", "body": "B"}, `cc: "x@" is not an email address`},
		{map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B", "attachments": []any{"", "/workspace/file.pdf"}},
			`attachments[1]: "/workspace/file.pdf" is neither a data: URI nor an http(s) URL`},
		{map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B", "attachments": []any{"data:text/plain;base64,@@"}},
			"attachments[0]: data: URI: its base64 data does not decode"},
		{map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B", "attachments": []any{"data:no-comma"}},
			"is not a data: URI"},
		// The SSRF guard: a run may not make the server fetch its own network.
		{map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B", "attachments": []any{"http://127.0.0.1:9/x.pdf"}},
			"address not allowed"},
	} {
		_, err := runCtx(t, ctx, rc, "GmailSendBlock", tc.in)
		require.ErrorContains(t, err, tc.want)
	}
	require.Len(t, stub.Requests(), n, "nothing sent")

	// Google's refusal is the node's error, with Google's message and
	// never the token.
	_, err = runCtx(t, ctx, gmailRC(stub, "ya29.revoked-token"), "GmailSendBlock", map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B"})
	require.ErrorContains(t, err, "Gmail answered 401 to messages.send: Request had invalid authentication credentials")
	require.NotContains(t, err.Error(), "ya29")

	_, err = runCtx(t, ctx, &RunContext{}, "GmailSendBlock", map[string]any{"to": []any{"ann@example.com"}, "subject": "S", "body": "B"})
	require.ErrorContains(t, err, "no google credential")
}

func TestGmailReadAndLabelsAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := gmailstub.New()
	t.Cleanup(stub.Close)
	stub.SetMailbox([]gmailstub.Message{
		{ID: "m1", ThreadID: "t1", From: "Ann <ann@example.com>", To: "me@example.com, other@example.com", Subject: "Agenda",
			Date: "Mon, 30 Nov 2026 09:00:00 +0000", Text: "The agenda for Monday.", HTML: "<p>The agenda</p>", Unread: true,
			Attachments: []gmailstub.Attachment{{Filename: "agenda.pdf", ContentType: "application/pdf", Data: "%PDF-1.4"}}},
		{ID: "m2", ThreadID: "t2", From: "bob@example.com", To: "me@example.com", Date: "Sun, 29 Nov 2026 09:00:00 +0000",
			Text: strings.Repeat("long body ", 20), BodyAsAttachment: true},
	}, []gmailstub.Label{{ID: "INBOX", Name: "INBOX"}, {ID: "Label_1", Name: "Work"}})
	ctx := context.Background()
	rc := gmailRC(stub, gmailstub.Token)
	var used int64
	rc.Use = func(_ CostType, n int64) error { used += n; return nil }

	got, err := runCtx(t, ctx, rc, "GmailReadBlock", map[string]any{"query": "is:unread", "max_results": 5})
	require.NoError(t, err)
	m1 := map[string]any{"threadId": "t1", "id": "m1", "subject": "Agenda", "snippet": "The agenda for Monday.",
		"from_": "ann@example.com", "to": "me@example.com", "date": "Mon, 30 Nov 2026 09:00:00 +0000",
		"body": "The agenda for Monday.", "sizeEstimate": float64(len("The agenda for Monday.") + len("<p>The agenda</p>") + 400),
		"attachments": []any{map[string]any{"filename": "agenda.pdf", "content_type": "application/pdf", "size": 8.0, "attachment_id": "att-m1-0"}}}
	require.Equal(t, outs("email", m1, "emails", []any{m1}), got)
	require.Equal(t, int64(2), used, "list and one get")

	// The default query is AutoGPT's is:unread; a body Gmail stored as an
	// attachment is fetched; a message without a subject says so.
	got, err = runCtx(t, ctx, rc, "GmailReadBlock", map[string]any{"query": "", "max_results": 10})
	require.NoError(t, err)
	require.Len(t, got, 3)
	m2 := got[1].Value.(map[string]any)
	require.Equal(t, "No Subject", m2["subject"])
	require.Equal(t, strings.Repeat("long body ", 20), m2["body"])
	require.Equal(t, []any{}, m2["attachments"])
	require.Contains(t, stub.Requests(), "GET /gmail/v1/users/me/messages/m2/attachments/body-m2")

	got, err = runCtx(t, ctx, rc, "GmailListLabelsBlock", map[string]any{})
	require.NoError(t, err)
	require.Equal(t, outs("result", []any{map[string]any{"id": "INBOX", "name": "INBOX"}, map[string]any{"id": "Label_1", "name": "Work"}}), got)

	_, err = runCtx(t, ctx, gmailRC(stub, "ya29.other"), "GmailReadBlock", map[string]any{})
	require.ErrorContains(t, err, "Gmail answered 401 to messages.list")
	require.NotContains(t, err.Error(), "ya29")
}

// Attachments are data: URIs or http(s) URLs, sent as the parts of a
// multipart/mixed message after the text part, with their names (a URL's
// Content-Disposition filename, else its path's last segment; a data URI's
// made from its type) and their bytes unchanged.
func TestGmailSendWithAttachments(t *testing.T) {
	t.Parallel()
	stub := gmailstub.New()
	t.Cleanup(stub.Close)
	pdf := "%PDF-1.4\n\x00\x01binary\xff"
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/report":
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`)
			_, _ = io.WriteString(w, pdf)
		case "/notes/today.csv":
			w.Header().Set("Content-Type", "text/csv")
			_, _ = io.WriteString(w, "a,b\n1,2\n")
		case "/huge":
			_, _ = w.Write(make([]byte, 25<<20+1))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(files.Close)
	ctx := context.Background()
	rc := gmailRC(stub, gmailstub.Token)
	rc.AllowPrivateNetwork = true // the file server is on loopback
	send := func(att ...any) error {
		_, err := runCtx(t, ctx, rc, "GmailSendBlock", map[string]any{"to": []any{"ann@example.com"}, "subject": "Files",
			"body": "<p>See attached.</p>", "attachments": att})
		return err
	}

	require.NoError(t, send(files.URL+"/report", "", "data:image/png;base64,iVBORw0KGgo=", files.URL+"/notes/today.csv?v=2",
		"data:,Hello%2C%20World"))
	sent := stub.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, "text/html", sent[0].ContentType, "the body is the first part, its type kept")
	require.Equal(t, "<p>See attached.</p>", sent[0].Body)
	require.Equal(t, []gmailstub.Attachment{
		{Filename: "Résumé.pdf", ContentType: "application/pdf", Data: pdf},
		{Filename: "attachment-2.png", ContentType: "image/png", Data: "\x89PNG\r\n\x1a\n"},
		{Filename: "today.csv", ContentType: "text/csv", Data: "a,b\n1,2\n"},
		{Filename: "attachment-4.txt", ContentType: "text/plain", Data: "Hello, World"},
	}, sent[0].Attachments)

	// A file that cannot be fetched, or too large, fails the node; nothing is sent.
	require.ErrorContains(t, send(files.URL+"/missing.pdf"), "attachments[0]: fetching "+files.URL+"/missing.pdf: the server answered 404 Not Found")
	require.ErrorContains(t, send("data:,small", files.URL+"/huge"), "attachments[1]: fetching "+files.URL+"/huge: the attachments pass 25 MiB together")
	require.Len(t, stub.Sent(), 1)
}
