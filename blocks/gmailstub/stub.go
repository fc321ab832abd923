// Package gmailstub is a test double of Google's Gmail API (v1): the
// paths, bearer authentication, JSON answers and error bodies of
// users.messages.send, .list, .get, .attachments.get and users.labels.list.
// A sent message's raw RFC 822 text is decoded as Gmail would (base64url,
// headers, RFC 2047 words, the body's transfer encoding) and recorded, so
// tests check what an email really carried. Only tests import it.
package gmailstub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
)

// Token is the access token the stub accepts.
const Token = "ya29.stub-access-token"

// Sent is a message the stub received through messages.send, decoded.
type Sent struct {
	ID          string
	To, Cc, Bcc []string // addresses
	Subject     string   // decoded
	ContentType string   // the media type, e.g. text/plain
	Charset     string
	Body        string // decoded
	Attachments []Attachment
	Header      mail.Header
}

// Attachment is a file attached to a mailbox message.
type Attachment struct {
	Filename, ContentType, Data string
}

// Message is a message in the stub's mailbox, answered by list and get.
type Message struct {
	ID, ThreadID            string
	From, To, Subject, Date string
	Text, HTML              string // the body's parts; both: multipart/alternative
	Unread                  bool
	// BodyAsAttachment: Gmail stored the text part's body as an
	// attachment (large bodies), fetched with attachments.get.
	BodyAsAttachment bool
	Attachments      []Attachment
}

// Label is a label labels.list answers.
type Label struct{ ID, Name string }

// Stub is a running server.
type Stub struct {
	*httptest.Server

	mu       sync.Mutex
	sent     []Sent
	requests []string
	mailbox  []Message // what list and get answer, newest first
	labels   []Label
	accept   func(token string) bool
}

// SetMailbox sets the messages list and get answer (newest first) and
// the labels labels.list answers.
func (s *Stub) SetMailbox(msgs []Message, labels []Label) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mailbox, s.labels = msgs, labels
}

// SetAccept sets which access tokens are valid (an OAuth2 stub's, or
// none); nil: only Token.
func (s *Stub) SetAccept(f func(token string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accept = f
}

// New starts the stub.
func New() *Stub {
	s := &Stub{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /gmail/v1/users/{user}/messages/send", s.send)
	mux.HandleFunc("GET /gmail/v1/users/{user}/messages", s.list)
	mux.HandleFunc("GET /gmail/v1/users/{user}/messages/{id}", s.get)
	mux.HandleFunc("GET /gmail/v1/users/{user}/messages/{id}/attachments/{att}", s.attachment)
	mux.HandleFunc("GET /gmail/v1/users/{user}/labels", s.listLabels)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		if !s.accepts(r.Header.Get("Authorization")) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
			googleError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. "+
				"Expected OAuth 2 access token, login cookie or other valid authentication credential.")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return s
}

func (s *Stub) accepts(authorization string) bool {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	accept := s.accept
	s.mu.Unlock()
	if accept != nil {
		return accept(tok)
	}
	return tok == Token
}

// Sent is every message received, in order.
func (s *Stub) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Requests is every request's method and path, in order.
func (s *Stub) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// googleError writes Google's JSON error body.
func googleError(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "status": status,
		"errors": []map[string]any{{"message": message, "domain": "global", "reason": strings.ToLower(status)}}}})
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

// me refuses a user other than "me" (the stub has one mailbox).
func me(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("user") != "me" {
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED", "Delegation denied for "+r.PathValue("user"))
		return false
	}
	return true
}

func (s *Stub) send(w http.ResponseWriter, r *http.Request) {
	if !me(w, r) {
		return
	}
	var in struct {
		Raw string `json:"raw"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 36<<20)).Decode(&in); err != nil {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	raw, err := base64.URLEncoding.DecodeString(in.Raw)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(in.Raw)
	}
	if err != nil || in.Raw == "" {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid value for ByteString: "+in.Raw)
		return
	}
	msg, err := decode(raw)
	if err != nil {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Recipient address required")
		return
	}
	s.mu.Lock()
	msg.ID = fmt.Sprintf("sent%d", len(s.sent)+1)
	s.sent = append(s.sent, msg)
	s.mu.Unlock()
	answer(w, map[string]any{"id": msg.ID, "threadId": "t-" + msg.ID, "labelIds": []string{"SENT"}})
}

// decode reads a raw RFC 822 message as Gmail does.
func decode(raw []byte) (Sent, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Sent{}, fmt.Errorf("Invalid RFC 822 message: %v", err)
	}
	out := Sent{Header: m.Header}
	for name, dst := range map[string]*[]string{"To": &out.To, "Cc": &out.Cc, "Bcc": &out.Bcc} {
		if m.Header.Get(name) == "" {
			continue
		}
		list, err := m.Header.AddressList(name)
		if err != nil {
			return Sent{}, fmt.Errorf("Invalid %s header", name)
		}
		for _, a := range list {
			*dst = append(*dst, a.Address)
		}
	}
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Sent{}, fmt.Errorf("Invalid Subject header: %v", err)
	}
	mt, params, err := mediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return Sent{}, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		out.ContentType, out.Charset = mt, params["charset"]
		b, err := partBody(m.Body, m.Header.Get("Content-Transfer-Encoding"))
		out.Body = string(b)
		return out, err
	}
	// multipart/mixed: the first text part not marked as an attachment is
	// the body; parts with Content-Disposition attachment are the files.
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Sent{}, fmt.Errorf("Invalid multipart message: %v", err)
		}
		pmt, pparams, err := mediaType(p.Header.Get("Content-Type"))
		if err != nil {
			return Sent{}, err
		}
		b, err := partBody(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return Sent{}, err
		}
		disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		switch {
		case disp == "attachment":
			out.Attachments = append(out.Attachments, Attachment{Filename: p.FileName(), ContentType: pmt, Data: string(b)})
		case out.ContentType == "" && strings.HasPrefix(pmt, "text/"):
			out.ContentType, out.Charset, out.Body = pmt, pparams["charset"], string(b)
		}
	}
	return out, nil
}

// mediaType parses a Content-Type header (text/plain when absent).
func mediaType(ct string) (string, map[string]string, error) {
	if ct == "" {
		return "text/plain", map[string]string{}, nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil, fmt.Errorf("Invalid Content-Type header: %v", err)
	}
	return mt, params, nil
}

// partBody reads a body in its transfer encoding.
func partBody(r io.Reader, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("Invalid message body: %v", err)
	}
	return b, nil
}

// newlineStripper drops CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func (s *Stub) list(w http.ResponseWriter, r *http.Request) {
	if !me(w, r) {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	max := 100
	if v := r.URL.Query().Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid maxResults")
			return
		}
		max = min(n, 500)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := []map[string]string{}
	for _, m := range s.mailbox {
		if len(refs) < max && matches(m, q) {
			refs = append(refs, map[string]string{"id": m.ID, "threadId": m.ThreadID})
		}
	}
	answer(w, map[string]any{"messages": refs, "resultSizeEstimate": len(refs)})
}

// matches is the stub's search: "is:unread", else words found in the
// subject or text (case-insensitive).
func matches(m Message, q string) bool {
	for _, word := range strings.Fields(q) {
		switch {
		case word == "is:unread":
			if !m.Unread {
				return false
			}
		case !strings.Contains(strings.ToLower(m.Subject+" "+m.Text), strings.ToLower(word)):
			return false
		}
	}
	return true
}

func b64(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }

func (s *Stub) find(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mailbox {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

func (s *Stub) get(w http.ResponseWriter, r *http.Request) {
	if !me(w, r) {
		return
	}
	m, ok := s.find(r.PathValue("id"))
	if !ok {
		googleError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "full" {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "the stub answers only format=full")
		return
	}
	headers := []map[string]string{{"name": "From", "value": m.From}, {"name": "To", "value": m.To}, {"name": "Date", "value": m.Date}}
	if m.Subject != "" {
		headers = append(headers, map[string]string{"name": "Subject", "value": m.Subject})
	}
	textBody := map[string]any{"size": len(m.Text), "data": b64(m.Text)}
	if m.BodyAsAttachment {
		textBody = map[string]any{"size": len(m.Text), "attachmentId": "body-" + m.ID}
	}
	var parts []map[string]any
	if m.Text != "" {
		parts = append(parts, map[string]any{"partId": "0.0", "mimeType": "text/plain", "filename": "", "body": textBody})
	}
	if m.HTML != "" {
		parts = append(parts, map[string]any{"partId": "0.1", "mimeType": "text/html", "filename": "", "body": map[string]any{"size": len(m.HTML), "data": b64(m.HTML)}})
	}
	payload := map[string]any{"partId": "", "mimeType": "multipart/mixed", "filename": "", "headers": headers, "body": map[string]any{"size": 0}}
	top := []map[string]any{{"partId": "0", "mimeType": "multipart/alternative", "filename": "", "body": map[string]any{"size": 0}, "parts": parts}}
	for i, a := range m.Attachments {
		top = append(top, map[string]any{"partId": strconv.Itoa(i + 1), "mimeType": a.ContentType, "filename": a.Filename,
			"body": map[string]any{"size": len(a.Data), "attachmentId": fmt.Sprintf("att-%s-%d", m.ID, i)}})
	}
	payload["parts"] = top
	size := len(m.Text) + len(m.HTML) + 400
	answer(w, map[string]any{"id": m.ID, "threadId": m.ThreadID, "labelIds": []string{"INBOX"}, "snippet": snippet(m.Text),
		"sizeEstimate": size, "historyId": "1", "internalDate": "1700000000000", "payload": payload})
}

func snippet(text string) string {
	if len(text) > 100 {
		return text[:100]
	}
	return text
}

func (s *Stub) attachment(w http.ResponseWriter, r *http.Request) {
	if !me(w, r) {
		return
	}
	m, ok := s.find(r.PathValue("id"))
	att := r.PathValue("att")
	switch {
	case ok && att == "body-"+m.ID && m.BodyAsAttachment:
		answer(w, map[string]any{"size": len(m.Text), "data": b64(m.Text)})
		return
	case ok:
		for i, a := range m.Attachments {
			if att == fmt.Sprintf("att-%s-%d", m.ID, i) {
				answer(w, map[string]any{"size": len(a.Data), "data": b64(a.Data)})
				return
			}
		}
	}
	googleError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
}

func (s *Stub) listLabels(w http.ResponseWriter, r *http.Request) {
	if !me(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]string{}
	for _, l := range s.labels {
		typ := "user"
		if strings.ToUpper(l.ID) == l.ID {
			typ = "system"
		}
		out = append(out, map[string]string{"id": l.ID, "name": l.Name, "type": typ})
	}
	answer(w, map[string]any{"labels": out})
}
