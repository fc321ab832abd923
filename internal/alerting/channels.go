// Package alerting makes alert rules fire: an evaluator that one process
// at a time runs every ALERT_INTERVAL (it holds a lease row in Postgres),
// rule states with a `for` duration, events stored with their
// notifications in an outbox, and the senders for webhook, Slack and email
// channels.
package alerting

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Channel kinds a rule may notify.
const (
	KindWebhook = "webhook"
	KindSlack   = "slack"
	KindEmail   = "email"
)

// ParseChannel checks a notification channel, `webhook:<url>`,
// `slack:<incoming webhook url>` or `email:<address>`, and returns its kind
// and target.
func ParseChannel(ch string) (kind, target string, err error) {
	kind, target, ok := strings.Cut(strings.TrimSpace(ch), ":")
	if !ok || target == "" {
		return "", "", fmt.Errorf("channel %q must be webhook:<url>, slack:<url> or email:<address>", ch)
	}
	switch kind {
	case KindWebhook, KindSlack:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "", fmt.Errorf("channel %q: %s needs an http or https URL", ch, kind)
		}
	case KindEmail:
		a, err := mail.ParseAddress(target)
		if err != nil || a.Address != target {
			return "", "", fmt.Errorf("channel %q: not an email address", ch)
		}
	default:
		return "", "", fmt.Errorf("channel %q: unknown kind %q (webhook, slack, email)", ch, kind)
	}
	return kind, target, nil
}
