package blocks

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// GmailSendBlock's attachments are what AutoGPT's MediaFileType holds
// without its file store: a data: URI (RFC 2397, what a block that makes
// a file yields) or an http(s) URL, fetched through the same SSRF guard as
// every request a block makes. AutoGPT's paths into a run's stored files
// have no meaning here and are refused, naming the entry.

// maxAttachmentBytes bounds the files of one email together: Gmail refuses
// attachments over 25 MB, and the message is held in memory to be sent.
const maxAttachmentBytes = 25 << 20

// emailAttachment is a file to attach: its name, media type and bytes.
type emailAttachment struct {
	name, mediaType string
	data            []byte
}

// loadAttachments reads each entry of the attachments pin (empty entries,
// an agent's unset [""], are skipped).
func loadAttachments(ctx context.Context, rc *RunContext, entries []string) ([]emailAttachment, error) {
	var out []emailAttachment
	total := 0
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		var a emailAttachment
		var err error
		switch {
		case hasPrefixFold(e, "data:"):
			a, err = dataURIAttachment(e, len(out)+1)
		case hasPrefixFold(e, "http://") || hasPrefixFold(e, "https://"):
			a, err = fetchAttachment(ctx, rc, e, maxAttachmentBytes-total)
		default:
			err = fmt.Errorf("%q is neither a data: URI nor an http(s) URL (there is no file store here to read a path from)", clip(e, 80))
		}
		if err != nil {
			return nil, fmt.Errorf("attachments[%d]: %w", i, err)
		}
		if total += len(a.data); total > maxAttachmentBytes {
			return nil, fmt.Errorf("attachments[%d]: the attachments pass %d MiB together, Gmail's limit", i, maxAttachmentBytes>>20)
		}
		out = append(out, a)
	}
	return out, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// clip is s cut to n bytes for an error message (a data URI can be megabytes).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// dataURIAttachment decodes data:[<media type>][;base64],<data>; a data
// URI carries no file name, so it is named attachment-n with the type's
// usual extension.
func dataURIAttachment(uri string, n int) (emailAttachment, error) {
	meta, payload, ok := strings.Cut(uri[len("data:"):], ",")
	if !ok {
		return emailAttachment{}, fmt.Errorf("%q is not a data: URI (no comma before its data)", clip(uri, 80))
	}
	isBase64 := false
	if m, found := strings.CutSuffix(meta, ";base64"); found {
		meta, isBase64 = m, true
	}
	mediaType := "text/plain;charset=US-ASCII" // RFC 2397's default
	if meta != "" {
		mt, params, err := mime.ParseMediaType(meta)
		if err != nil {
			return emailAttachment{}, fmt.Errorf("data: URI media type %q: %v", clip(meta, 80), err)
		}
		mediaType = mime.FormatMediaType(mt, params)
	}
	var data []byte
	var err error
	if isBase64 {
		data, err = base64.StdEncoding.DecodeString(strings.Map(dropSpace, payload))
		if err != nil {
			data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(strings.Map(dropSpace, payload), "="))
		}
		if err != nil {
			return emailAttachment{}, fmt.Errorf("data: URI: its base64 data does not decode: %v", err)
		}
	} else {
		s, err := url.PathUnescape(payload)
		if err != nil {
			return emailAttachment{}, fmt.Errorf("data: URI: %v", err)
		}
		data = []byte(s)
	}
	if len(data) > maxAttachmentBytes {
		return emailAttachment{}, fmt.Errorf("the file passes Gmail's %d MiB limit", maxAttachmentBytes>>20)
	}
	return emailAttachment{name: fmt.Sprintf("attachment-%d%s", n, extensionFor(mediaType)), mediaType: mediaType, data: data}, nil
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
		return -1
	}
	return r
}

// extensionFor is the usual file extension of a media type ("" if none).
func extensionFor(mediaType string) string {
	mt, _, _ := mime.ParseMediaType(mediaType)
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		// The table lists several for some types (.jpe, .jpeg, .jpg): the
		// common one where Go's own table has it.
		for _, e := range exts {
			if e == ".jpg" || e == ".txt" || e == ".html" {
				return e
			}
		}
		return exts[0]
	}
	return ""
}

// fetchAttachment GETs a URL through the run's (guarded) client, reading at
// most limit bytes. Its name is the response's Content-Disposition
// filename, else the URL path's last segment.
func fetchAttachment(ctx context.Context, rc *RunContext, rawURL string, limit int) (emailAttachment, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return emailAttachment{}, fmt.Errorf("%q is not a URL: %v", clip(rawURL, 80), err)
	}
	resp, err := httpClient(rc).Do(req)
	if err != nil {
		return emailAttachment{}, fmt.Errorf("fetching %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return emailAttachment{}, fmt.Errorf("fetching %s: the server answered %s", req.URL.Redacted(), resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return emailAttachment{}, fmt.Errorf("fetching %s: %w", req.URL.Redacted(), err)
	}
	if len(data) > limit {
		return emailAttachment{}, fmt.Errorf("fetching %s: the attachments pass %d MiB together, Gmail's limit", req.URL.Redacted(), maxAttachmentBytes>>20)
	}
	name := path.Base(req.URL.Path)
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = path.Base(params["filename"])
	}
	if name == "/" || name == "." || name == "" {
		name = "attachment"
	}
	mediaType := resp.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(mediaType); err != nil {
		mediaType = mime.TypeByExtension(path.Ext(name))
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	return emailAttachment{name: name, mediaType: mediaType, data: data}, nil
}
