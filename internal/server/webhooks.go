package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/webhooks"
)

// MaxWebhookBody is the largest delivery accepted (413 above).
const MaxWebhookBody = 1 << 20

// webhookHandler is the ingress POST /webhooks/{id}: plain HTTP, outside
// GraphQL (the caller is a third party that signs, not a user that logs
// in). 202 {"executionId"} means the delivery and its run are committed;
// every refusal runs nothing.
func webhookHandler(svc *webhooks.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			webhookError(w, http.StatusMethodNotAllowed, "use POST")
			return
		}
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			webhookError(w, http.StatusNotFound, "unknown webhook")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
			(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			webhookError(w, http.StatusUnsupportedMediaType, "the body must be JSON (Content-Type: application/json)")
			return
		}
		if r.ContentLength > MaxWebhookBody {
			webhookError(w, http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
		if err != nil {
			webhookError(w, http.StatusBadRequest, "reading the body failed")
			return
		}
		if len(body) > MaxWebhookBody {
			webhookError(w, http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
			return
		}
		ctx := r.Context()
		var payload any
		parsed := false
		var ex *model.GraphExecution
		// The webhook usually comes from the service's cache: a signature
		// it refuses, or a delivery the store finds it stale for, gets one
		// more try with a fresh lookup.
		for attempt := 0; ; attempt++ {
			t, cached, err := svc.Target(ctx, id)
			if err != nil {
				if errors.Is(err, model.ErrNotFound) {
					webhookError(w, http.StatusNotFound, "unknown webhook")
				} else {
					log.Error("webhook lookup", "err", err)
					webhookError(w, http.StatusInternalServerError, "internal error")
				}
				return
			}
			if err := svc.Verify(t, body, r.Header.Get(webhooks.HeaderSignature), r.Header.Get(webhooks.HeaderGitHubSignature)); err != nil {
				if cached && attempt == 0 { // the secret may have been rotated since
					svc.Forget(id)
					continue
				}
				webhookError(w, http.StatusUnauthorized, "missing or wrong signature ("+webhooks.HeaderSignature+": sha256=<hex HMAC-SHA256 of the body>)")
				return
			}
			if !parsed {
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.UseNumber()
				if err := dec.Decode(&payload); err != nil || dec.More() {
					webhookError(w, http.StatusBadRequest, "the body is not valid JSON")
					return
				}
				// What Postgres cannot store must be refused here as the
				// sender's mistake (4xx), not fail the insert as ours
				// (5xx, which senders retry for ever): jsonb holds no
				// NUL (\u0000) and no invalid UTF-8.
				if !utf8.Valid(body) {
					webhookError(w, http.StatusBadRequest, "the body is not valid UTF-8")
					return
				}
				if hasNUL(payload) {
					webhookError(w, http.StatusBadRequest, `the body holds a NUL character (\u0000) in a string or key, which cannot be stored`)
					return
				}
				parsed = true
			}
			delivery := r.Header.Get(webhooks.HeaderDelivery)
			if delivery == "" && t.Provider == "github" {
				delivery = r.Header.Get(webhooks.HeaderGitHubDelivery)
			}
			if delivery == "" {
				delivery = uuid.NewString() // no idempotency key: every request is its own delivery
			}
			if len(delivery) > 200 {
				webhookError(w, http.StatusBadRequest, webhooks.HeaderDelivery+" is over 200 characters")
				return
			}
			// Stored as text: invalid UTF-8 or a NUL would fail the insert.
			if !utf8.ValidString(delivery) || strings.IndexByte(delivery, 0) >= 0 {
				webhookError(w, http.StatusBadRequest, "the delivery id is not valid UTF-8 text")
				return
			}
			ex, err = svc.Accept(ctx, t, delivery, body, payload)
			if errors.Is(err, webhooks.ErrStaleTarget) && attempt == 0 {
				svc.Forget(id)
				continue
			}
			if !webhookAccepted(w, err, log) {
				return
			}
			break
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"executionId": ex.ID.String()})
	})
}

// hasNUL reports whether a decoded JSON value holds a NUL character in a
// string or a key.
func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// webhookAccepted answers Accept's refusals (false); true: err is nil.
func webhookAccepted(w http.ResponseWriter, err error, log *slog.Logger) bool {
	switch {
	case errors.Is(err, webhooks.ErrTooManyRuns):
		w.Header().Set("Retry-After", "5")
		webhookError(w, http.StatusTooManyRequests, "the webhook's owner has too many runs in progress")
	case errors.Is(err, model.ErrConflict):
		webhookError(w, http.StatusConflict, "this delivery id was already received with a different body")
	case errors.Is(err, webhooks.ErrStaleTarget): // changed again while its fresh lookup was being stored
		w.Header().Set("Retry-After", "1")
		webhookError(w, http.StatusServiceUnavailable, "the webhook changed while the delivery was being stored; retry")
	case err != nil:
		log.Error("webhook delivery", "err", err)
		webhookError(w, http.StatusInternalServerError, "internal error")
	default:
		return true
	}
	return false
}

func webhookError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
