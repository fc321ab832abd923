package alerting

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
)

// Headers of a webhook notification.
const (
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256 of the body
	// under ALERT_WEBHOOK_SECRET, as our incoming webhooks expect theirs.
	HeaderSignature = "X-Agentgraph-Signature"
	// HeaderIdempotencyKey is the delivery's id: the same on every retry,
	// so a receiver can drop the duplicate a crash between the POST and the
	// outbox commit may cause.
	HeaderIdempotencyKey = "Idempotency-Key"
)

// Notifier sends one delivery on its channel.
type Notifier struct {
	// WebhookSecret signs webhook bodies (ALERT_WEBHOOK_SECRET); unsigned when empty.
	WebhookSecret []byte
	// SMTPURL is smtp://[user:password@]host:port (SMTP_URL); email
	// channels fail visibly without it.
	SMTPURL string
	// From is the sender of alert emails (SMTP_FROM).
	From string
	// AllowPrivateNetwork lets webhook and Slack URLs reach loopback and
	// private addresses (ALLOW_PRIVATE_NETWORK); refused otherwise (SSRF).
	AllowPrivateNetwork bool
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
}

// permanentError is a failure retrying cannot fix (a bad channel, a
// refused address, a 4xx answer): the delivery is marked FAILED at once.
type permanentError struct{ error }

// Payload is the JSON body of a webhook notification.
type Payload struct {
	EventID   string    `json:"eventId"`
	RuleID    string    `json:"ruleId,omitempty"`
	Rule      string    `json:"rule"`
	Severity  string    `json:"severity"`
	State     string    `json:"state"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	At        time.Time `json:"at"`
}

func payload(ev db.AlertEvent) Payload {
	p := Payload{EventID: ev.ID.String(), Rule: ev.RuleName, Severity: ev.Severity, State: ev.State,
		Value: ev.Value, Threshold: ev.Threshold, At: ev.At.UTC()}
	if ev.RuleID != nil {
		p.RuleID = ev.RuleID.String()
	}
	return p
}

// summary is the one-line text of Slack messages and email subjects.
func summary(ev db.AlertEvent) string {
	if ev.State == "OK" {
		return fmt.Sprintf("[RESOLVED] %s alert %q: value %g, threshold %g", ev.Severity, ev.RuleName, ev.Value, ev.Threshold)
	}
	return fmt.Sprintf("[%s] %s alert %q: value %g, threshold %g", ev.State, ev.Severity, ev.RuleName, ev.Value, ev.Threshold)
}

// Sign is the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send delivers it once.
func (n *Notifier) Send(ctx context.Context, it db.OutboxItem) error {
	timeout := n.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	kind, target, err := ParseChannel(it.Delivery.Channel)
	if err != nil {
		return permanentError{err}
	}
	switch kind {
	case KindWebhook:
		body, _ := json.Marshal(payload(it.Event))
		return n.post(ctx, target, body, it.Delivery.ID.String(), true)
	case KindSlack:
		body, _ := json.Marshal(map[string]string{"text": summary(it.Event)})
		return n.post(ctx, target, body, it.Delivery.ID.String(), false)
	default:
		return n.email(ctx, target, it)
	}
}

func (n *Notifier) post(ctx context.Context, target string, body []byte, key string, sign bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agentgraph-alerts")
	req.Header.Set(HeaderIdempotencyKey, key)
	if sign && len(n.WebhookSecret) > 0 {
		req.Header.Set(HeaderSignature, Sign(n.WebhookSecret, body))
	}
	resp, err := blocks.GuardedHTTPClient(n.AllowPrivateNetwork).Do(req)
	if err != nil {
		if blocks.IsForbiddenAddress(err) {
			return permanentError{err}
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return permanentError{fmt.Errorf("the receiver answered %s", resp.Status)}
	}
	return fmt.Errorf("the receiver answered %s", resp.Status)
}

// email sends through SMTP_URL with net/smtp (STARTTLS when the server
// offers it; authentication only when the URL carries a user).
func (n *Notifier) email(ctx context.Context, to string, it db.OutboxItem) error {
	if n.SMTPURL == "" {
		return permanentError{errors.New("SMTP_URL is not set")}
	}
	u, err := url.Parse(n.SMTPURL)
	if err != nil || u.Host == "" {
		return permanentError{fmt.Errorf("invalid SMTP_URL")}
	}
	from := n.From
	if from == "" {
		from = "agentgraph@localhost"
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, u.Hostname())
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return err
		}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())); err != nil {
			return permanentError{err}
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	body, _ := json.MarshalIndent(payload(it.Event), "", "  ")
	msg := strings.Join([]string{
		"From: " + from, "To: " + to, "Subject: " + summary(it.Event),
		"Message-ID: <" + it.Delivery.ID.String() + "@agentgraph>", // the idempotency key of email
		"Content-Type: text/plain; charset=utf-8", "", summary(it.Event), "", string(body), "",
	}, "\r\n")
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
