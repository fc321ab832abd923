package blocks

import (
	"context"
	"encoding/base64"
	"net/mail"
	"strings"

	gmail "google.golang.org/api/gmail/v1"
)

// gmailMaxResults bounds GmailReadBlock's max_results: each message is up
// to two requests (the message, and its body when Gmail stored it as an
// attachment), all reserved before the node runs.
const gmailMaxResults = 100

type gmailReadIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A google credential (OAuth2 with the gmail.readonly scope); your newest one when omitted."`
	Query       string           `json:"query" jsonschema:"default=is:unread" jsonschema_description:"Search query for reading emails (Gmail's search syntax)."`
	MaxResults  int64            `json:"max_results" jsonschema:"default=10,minimum=1,maximum=100" jsonschema_description:"Maximum number of emails to retrieve."`
}

type gmailAttachment struct {
	Filename     string `json:"filename" jsonschema_description:"The file's name."`
	ContentType  string `json:"content_type" jsonschema_description:"The file's MIME type."`
	Size         int64  `json:"size" jsonschema_description:"The file's size in bytes."`
	AttachmentID string `json:"attachment_id" jsonschema_description:"Gmail's id of the attachment."`
}

type gmailEmail struct {
	ThreadID     string            `json:"threadId" jsonschema_description:"The thread's id."`
	ID           string            `json:"id" jsonschema_description:"The message's id."`
	Subject      string            `json:"subject" jsonschema_description:"The subject (\"No Subject\" when it has none)."`
	Snippet      string            `json:"snippet" jsonschema_description:"Gmail's short extract of the message."`
	From         string            `json:"from_" jsonschema_description:"The sender's address."`
	To           string            `json:"to" jsonschema_description:"The first recipient's address."`
	Date         string            `json:"date" jsonschema_description:"The Date header."`
	Body         string            `json:"body" jsonschema_description:"The text of the message (its first text/plain part, else its HTML)."`
	SizeEstimate int64             `json:"sizeEstimate" jsonschema_description:"Gmail's estimate of the message's size in bytes."`
	Attachments  []gmailAttachment `json:"attachments" jsonschema_description:"The message's attached files."`
}

type gmailReadOut struct {
	Email  gmailEmail   `json:"email" jsonschema_description:"Email data, one value per email."`
	Emails []gmailEmail `json:"emails" jsonschema_description:"List of email data."`
}

func gmailReadLimits(input map[string]any) Usage {
	n := int64(10)
	if f, ok := toFloat(input["max_results"]); ok && f >= 1 {
		n = min(int64(f), gmailMaxResults)
	}
	return Usage{CostRequest: 1 + 2*n}
}

// GmailReadBlock reads the emails a Gmail search finds.
func GmailReadBlock() Block {
	return Define[gmailReadIn, gmailReadOut](Info{
		ID:   "25310c70-b89b-43ba-b25c-4dfa7e2a481c",
		Name: "GmailReadBlock",
		Description: "This block reads emails from Gmail (a google credential with the gmail.readonly scope; the operator's " +
			"GMAIL_API_URL, https://gmail.googleapis.com/ by default).",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      gmailReadLimits,
		PricedBy:    []string{"max_results"},
		Credentials: gmailCredentials(gmailScopeReadonly),
	}, func(ctx context.Context, rc *RunContext, in gmailReadIn, emit Emit) error {
		svc, err := gmailService(ctx, rc)
		if err != nil {
			return err
		}
		max := min(max(in.MaxResults, 1), gmailMaxResults)
		list, err := svc.Users.Messages.List("me").Q(in.Query).MaxResults(max).Context(ctx).Do()
		if err != nil {
			return gmailError(ctx, "messages.list", err)
		}
		emails := []gmailEmail{}
		for _, m := range list.Messages {
			msg, err := svc.Users.Messages.Get("me", m.Id).Format("full").Context(ctx).Do()
			if err != nil {
				return gmailError(ctx, "messages.get", err)
			}
			emails = append(emails, readEmail(ctx, svc, msg))
		}
		for _, e := range emails {
			if err := emit("email", e); err != nil {
				return err
			}
		}
		return emit("emails", emails)
	})
}

// readEmail is AutoGPT's Email of a message read in the full format.
func readEmail(ctx context.Context, svc *gmail.Service, msg *gmail.Message) gmailEmail {
	p := msg.Payload
	if p == nil {
		p = &gmail.MessagePart{}
	}
	headers := map[string]string{}
	for _, h := range p.Headers {
		if _, seen := headers[strings.ToLower(h.Name)]; !seen {
			headers[strings.ToLower(h.Name)] = h.Value
		}
	}
	subject, ok := headers["subject"]
	if !ok {
		subject = "No Subject"
	}
	body := walkBody(ctx, svc, msg.Id, p, 0)
	if body == "" {
		body = "This email does not contain a readable body."
	}
	e := gmailEmail{ThreadID: msg.ThreadId, ID: msg.Id, Subject: subject, Snippet: msg.Snippet,
		From: firstAddress(headers["from"]), To: firstAddress(headers["to"]), Date: headers["date"],
		Body: body, SizeEstimate: msg.SizeEstimate, Attachments: []gmailAttachment{}}
	for _, part := range p.Parts {
		if part.Filename != "" && part.Body != nil {
			e.Attachments = append(e.Attachments, gmailAttachment{Filename: part.Filename, ContentType: part.MimeType,
				Size: part.Body.Size, AttachmentID: part.Body.AttachmentId})
		}
	}
	return e
}

// walkBody finds the first readable text part, depth first as AutoGPT
// does: text/plain, else text/html (as is: no HTML-to-text conversion
// here), fetching a body Gmail stored as an attachment.
func walkBody(ctx context.Context, svc *gmail.Service, msgID string, part *gmail.MessagePart, depth int) string {
	if depth > 10 || part == nil {
		return ""
	}
	if part.Body != nil {
		if (part.MimeType == "text/plain" || part.MimeType == "text/html") && part.Body.Data != "" {
			if text, ok := decodeBase64URL(part.Body.Data); ok {
				return text
			}
		}
		if part.Body.AttachmentId != "" && part.Filename == "" {
			if att, err := svc.Users.Messages.Attachments.Get("me", msgID, part.Body.AttachmentId).Context(ctx).Do(); err == nil {
				if text, ok := decodeBase64URL(att.Data); ok && text != "" {
					return text
				}
			}
		}
	}
	for _, sub := range part.Parts {
		if text := walkBody(ctx, svc, msgID, sub, depth+1); text != "" {
			return text
		}
	}
	return ""
}

// decodeBase64URL decodes Gmail's base64url data, padded or not.
func decodeBase64URL(s string) (string, bool) {
	raw, err := base64.URLEncoding.DecodeString(s + strings.Repeat("=", (4-len(s)%4)%4))
	if err != nil {
		return "", false
	}
	return string(raw), true
}

// firstAddress is the first address of a header (Python's parseaddr), ""
// when there is none.
func firstAddress(h string) string {
	if list, err := mail.ParseAddressList(h); err == nil && len(list) > 0 {
		return list[0].Address
	}
	return ""
}

type gmailLabel struct {
	ID   string `json:"id" jsonschema_description:"The label's id."`
	Name string `json:"name" jsonschema_description:"The label's name."`
}

type gmailListLabelsIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A google credential (OAuth2 with the gmail.labels scope); your newest one when omitted."`
}

type gmailListLabelsOut struct {
	Result []gmailLabel `json:"result" jsonschema_description:"List of labels."`
}

// GmailListLabelsBlock lists the account's labels.
func GmailListLabelsBlock() Block {
	return Define[gmailListLabelsIn, gmailListLabelsOut](Info{
		ID:   "3e1c2c1c-c689-4520-b956-1f3bf4e02bb7",
		Name: "GmailListLabelsBlock",
		Description: "This block lists all labels in Gmail (a google credential with the gmail.labels scope; the operator's " +
			"GMAIL_API_URL, https://gmail.googleapis.com/ by default).",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(1),
		PricedBy:    []string{},
		Credentials: gmailCredentials(gmailScopeLabels),
	}, func(ctx context.Context, rc *RunContext, _ gmailListLabelsIn, emit Emit) error {
		svc, err := gmailService(ctx, rc)
		if err != nil {
			return err
		}
		res, err := svc.Users.Labels.List("me").Context(ctx).Do()
		if err != nil {
			return gmailError(ctx, "labels.list", err)
		}
		labels := []gmailLabel{}
		for _, l := range res.Labels {
			labels = append(labels, gmailLabel{ID: l.Id, Name: l.Name})
		}
		return emit("result", labels)
	})
}
