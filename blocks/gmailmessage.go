package blocks

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
)

// Gmail's messages.send takes the whole RFC 822 message, base64url-encoded,
// as AutoGPT's block builds it with Python's MIMEText: To, Cc, Bcc (Gmail
// sends to Bcc recipients and drops the header), Subject, and a single
// UTF-8 text part in base64, or with attachments (gmailattach.go) that
// part and the files in a multipart/mixed message, as MIMEMultipart makes
// it. Gmail adds From and Date itself.

// htmlBodyTag is how "auto" tells an HTML body: a tag AutoGPT's agents write
// (their models answer with <p>, <h2>, <ul>, … or a whole document).
var htmlBodyTag = regexp.MustCompile(`(?i)<(html|body|head|p|div|span|br|hr|h[1-6]|ul|ol|li|table|tr|td|th|a|img|strong|em|b|i|u|blockquote|pre|code)\b[^>]*>`)

// email is a message checked for messages.send, its header values made.
type email struct {
	to, cc, bcc   string // header values ("" for none)
	subject, body string
	subtype       string // of text/: plain or html
}

// newEmail checks a message as Gmail and AutoGPT's block would, before
// anything is fetched or sent. contentType is "auto" (or ""), "plain" or
// "html".
func newEmail(to, cc, bcc []string, subject, body, contentType string) (*email, error) {
	toList, err := addressList("to", to)
	if err != nil {
		return nil, err
	}
	if toList == "" || strings.TrimSpace(subject) == "" || strings.TrimSpace(body) == "" {
		return nil, errors.New("To, subject, and body are required for sending an email")
	}
	ccList, err := addressList("cc", cc)
	if err != nil {
		return nil, err
	}
	bccList, err := addressList("bcc", bcc)
	if err != nil {
		return nil, err
	}
	subtype := "plain"
	switch contentType {
	case "", "auto":
		if htmlBodyTag.MatchString(body) {
			subtype = "html"
		}
	case "plain", "html":
		subtype = contentType
	default:
		return nil, fmt.Errorf("content_type %q is none of auto, plain, html", contentType)
	}
	return &email{to: toList, cc: ccList, bcc: bccList, subject: subject, body: body, subtype: subtype}, nil
}

// raw is the message for messages.send, base64url-encoded. With
// attachments it is multipart/mixed: the text part, then one base64 part
// per file.
func (e *email) raw(files []emailAttachment) (string, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		if value != "" {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	header("To", e.to)
	header("Cc", e.cc)
	header("Bcc", e.bcc)
	// A line break in the subject would start a header of the user's own:
	// folded to a space, then encoded when not plain ASCII.
	header("Subject", mime.QEncoding.Encode("utf-8", strings.Join(strings.Fields(e.subject), " ")))
	header("MIME-Version", "1.0")
	textType := "text/" + e.subtype + `; charset="utf-8"`
	if len(files) == 0 {
		header("Content-Type", textType)
		header("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64Lines(&b, []byte(e.body))
		return base64.URLEncoding.EncodeToString(b.Bytes()), nil
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	part := func(h textproto.MIMEHeader, data []byte) error {
		h.Set("Content-Transfer-Encoding", "base64")
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		var p bytes.Buffer
		writeBase64Lines(&p, data)
		_, err = w.Write(p.Bytes())
		return err
	}
	if err := part(textproto.MIMEHeader{"Content-Type": {textType}}, []byte(e.body)); err != nil {
		return "", err
	}
	for _, f := range files {
		// FormatMediaType encodes a name that is not plain ASCII (RFC 2231).
		h := textproto.MIMEHeader{"Content-Type": {withParam(f.mediaType, "name", f.name)},
			"Content-Disposition": {mime.FormatMediaType("attachment", map[string]string{"filename": f.name})}}
		if err := part(h, f.data); err != nil {
			return "", err
		}
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b.Bytes()), nil
}

// writeBase64Lines writes data in base64, in lines of 76 characters (RFC 2045).
func writeBase64Lines(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// withParam is a media type with one more parameter.
func withParam(mediaType, name, value string) string {
	mt, params, err := mime.ParseMediaType(mediaType)
	if err != nil {
		mt, params = "application/octet-stream", map[string]string{}
	}
	params[name] = value
	return mime.FormatMediaType(mt, params)
}

// addressList is the header value for a list of addresses ("" for none;
// empty entries, such as an agent's unset [""], are skipped). Each must be
// an address (a name may come with it: "Ann <ann@example.com>").
func addressList(pin string, addrs []string) (string, error) {
	var out []string
	for _, a := range addrs {
		if strings.TrimSpace(a) == "" {
			continue
		}
		list, err := mail.ParseAddressList(strings.TrimSpace(a)) // one entry may hold several, comma-separated
		if err != nil {
			return "", fmt.Errorf("%s: %q is not an email address", pin, strings.TrimSpace(a))
		}
		for _, parsed := range list {
			out = append(out, parsed.String())
		}
	}
	return strings.Join(out, ", "), nil
}
