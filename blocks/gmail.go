package blocks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gmail "google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// The Gmail blocks keep AutoGPT's names, ids and pins. They take a google
// OAuth2 credential with the scope AutoGPT's block declares and call the
// Gmail API through Google's Go client at the credential's "gmail"
// endpoint (GMAIL_API_URL, https://gmail.googleapis.com/ by default). That
// URL is the operator's, so it is trusted like the other providers' API
// URLs (no SSRF guard: it may be a proxy or a stub on a private network);
// nothing a user gives names a host, so the token goes there and nowhere
// else.

// Gmail's OAuth2 scopes, as AutoGPT's blocks declare them.
const (
	gmailScopeSend     = "https://www.googleapis.com/auth/gmail.send"
	gmailScopeReadonly = "https://www.googleapis.com/auth/gmail.readonly"
	gmailScopeLabels   = "https://www.googleapis.com/auth/gmail.labels"
)

// DefaultGmailAPIURL is Google's Gmail API (the client's own base path).
const DefaultGmailAPIURL = "https://gmail.googleapis.com/"

func gmailCredentials(scope string) *CredentialsSpec {
	return &CredentialsSpec{Providers: []string{"google"}, AuthTypes: []string{AuthOAuth2}, Scopes: []string{scope}}
}

// credentialTransport applies a run's credential to each request and counts
// it as one REQUEST against the node's reservation.
type credentialTransport struct {
	rc   *RunContext
	cred *Credential
	next http.RoundTripper
}

func (t *credentialTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.rc.UseUnits(CostRequest, 1); err != nil {
		return nil, err
	}
	req = req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	t.cred.Apply(req)
	return t.next.RoundTrip(req)
}

// gmailService is a Gmail client for rc's run: the credential as a bearer
// token, at the credential's gmail endpoint.
func gmailService(ctx context.Context, rc *RunContext) (*gmail.Service, error) {
	c := rc.InputCredential
	if c == nil {
		return nil, errors.New("no google credential")
	}
	base := strings.TrimSpace(c.Endpoints["gmail"])
	if base == "" {
		base = DefaultGmailAPIURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/" // the client joins its paths ("gmail/v1/…") to the endpoint
	}
	hc := &http.Client{Timeout: serviceTimeout, Transport: &credentialTransport{rc: rc, cred: c, next: unguardedClient.Transport}}
	return gmail.NewService(ctx, option.WithHTTPClient(hc), option.WithEndpoint(base))
}

// gmailError is the node's error for a failed call: Google's status and
// message (never the request's headers, so never the token).
func gmailError(ctx context.Context, op string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		msg := ge.Message
		if msg == "" {
			msg = http.StatusText(ge.Code)
		}
		return fmt.Errorf("Gmail answered %d to %s: %s", ge.Code, op, msg)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("Gmail %s: %w", op, err)
}

type gmailSendIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A google credential (OAuth2 with the gmail.send scope); your newest one when omitted."`
	To          []string         `json:"to" jsonschema_description:"Recipient email addresses."`
	Subject     string           `json:"subject" jsonschema_description:"Email subject."`
	Body        string           `json:"body" jsonschema_description:"Email body (plain text or HTML)."`
	CC          []string         `json:"cc,omitempty" jsonschema_description:"CC recipients."`
	BCC         []string         `json:"bcc,omitempty" jsonschema_description:"BCC recipients."`
	ContentType *string          `json:"content_type,omitempty" jsonschema:"enum=auto,enum=plain,enum=html" jsonschema_description:"Content type of the body: auto (HTML when the body holds HTML tags, else plain text; the default), plain or html."`
	Attachments []string         `json:"attachments,omitempty" jsonschema_description:"Files to attach, each a data: URI (data:application/pdf;base64,…) or an http(s) URL fetched when the email is sent; 25 MiB together at most."`
}

type gmailSendResult struct {
	ID     string `json:"id" jsonschema_description:"The sent message's id."`
	Status string `json:"status" jsonschema_description:"\"sent\"."`
}

type gmailSendOut struct {
	Result gmailSendResult `json:"result" jsonschema_description:"Send confirmation."`
}

// GmailSendBlock sends an email from the credential's Gmail account.
func GmailSendBlock() Block {
	return Define[gmailSendIn, gmailSendOut](Info{
		ID:   "6c27abc2-e51d-499e-a85f-5a0041ba94f0",
		Name: "GmailSendBlock",
		Description: "This block sends an email using Gmail (a google credential with the gmail.send scope; the operator's " +
			"GMAIL_API_URL, https://gmail.googleapis.com/ by default).",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(1),
		PricedBy:    []string{},
		Credentials: gmailCredentials(gmailScopeSend),
	}, func(ctx context.Context, rc *RunContext, in gmailSendIn, emit Emit) error {
		ct := ""
		if in.ContentType != nil {
			ct = *in.ContentType
		}
		// Checked first: a message Gmail would refuse costs no download.
		msg, err := newEmail(in.To, in.CC, in.BCC, in.Subject, in.Body, ct)
		if err != nil {
			return err
		}
		files, err := loadAttachments(ctx, rc, in.Attachments)
		if err != nil {
			return err
		}
		raw, err := msg.raw(files)
		if err != nil {
			return err
		}
		svc, err := gmailService(ctx, rc)
		if err != nil {
			return err
		}
		sent, err := svc.Users.Messages.Send("me", &gmail.Message{Raw: raw}).Context(ctx).Do()
		if err != nil {
			return gmailError(ctx, "messages.send", err)
		}
		return emit("result", gmailSendResult{ID: sent.Id, Status: "sent"})
	})
}
