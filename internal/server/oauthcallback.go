package server

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/agentgraph/agentgraph/internal/integrations"
)

// oauthCallbackHandler is GET /auth/integrations/{provider}/callback, where a
// provider sends the browser back after consent. It is plain HTTP: the
// caller is the user's browser, identified by the single-use state, not by
// a bearer token. A connect that succeeds redirects to the redirectTo given
// at start (when still allowed) or shows a short page; every refusal shows
// a page saying why and stores nothing.
func oauthCallbackHandler(c *integrations.Connect, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			callbackPage(w, http.StatusMethodNotAllowed, "Not connected", "Use GET.")
			return
		}
		provider := r.PathValue("provider")
		redirect, cred, err := c.Finish(r.Context(), provider, r.URL.Query())
		var ce *integrations.CallbackError
		switch {
		case errors.As(err, &ce):
			callbackPage(w, ce.Status, "Not connected", ce.Message)
		case err != nil:
			log.Error("oauth callback", "provider", provider, "err", err)
			callbackPage(w, http.StatusInternalServerError, "Not connected", "Something went wrong on our side; start connecting again.")
		case redirect != "":
			http.Redirect(w, r, redirect, http.StatusSeeOther)
		default:
			callbackPage(w, http.StatusOK, "Connected", "Your account "+cred.Title+" is connected. You can close this window.")
		}
	})
}

var callbackTmpl = template.Must(template.New("p").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

func callbackPage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the page's URL holds the code
	w.WriteHeader(status)
	_ = callbackTmpl.Execute(w, struct{ Title, Message string }{title, message})
}
