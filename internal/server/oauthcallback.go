package server

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/agentgraph/agentgraph/internal/integrations"
)

// oauthCallbackHandler is GET /auth/integrations/{provider}/callback, where a
// provider sends the browser back after consent. It is plain HTTP: the
// caller is the user's browser, identified by the single-use state, not by
// a bearer token. A connect that succeeds redirects to the redirectTo given
// at start (when still allowed) or shows a short page. Every refusal stores
// nothing; the provider's own (the user declined consent, RFC 6749
// §4.1.2.1) sends a connect started with redirectTo (the web app's) back to
// that page with the reason in its query, and every other refusal shows a
// page saying why. Each page links to the web app's Integrations page.
func oauthCallbackHandler(c *integrations.Connect, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	integrationsPage := strings.TrimRight(c.PublicURL, "/") + "/credentials"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := func(status int, title, message string) { callbackPage(w, status, title, message, integrationsPage) }
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			page(http.StatusMethodNotAllowed, "Not connected", "Use GET.")
			return
		}
		provider := r.PathValue("provider")
		redirect, cred, err := c.Finish(r.Context(), provider, r.URL.Query())
		var ce *integrations.CallbackError
		switch {
		case errors.As(err, &ce) && ce.Redirect != "":
			http.Redirect(w, r, ce.Redirect, http.StatusSeeOther)
		case errors.As(err, &ce):
			page(ce.Status, "Not connected", ce.Message)
		case err != nil:
			log.Error("oauth callback", "provider", provider, "err", err)
			page(http.StatusInternalServerError, "Not connected", "Something went wrong on our side; start connecting again.")
		case redirect != "":
			http.Redirect(w, r, redirect, http.StatusSeeOther)
		default:
			page(http.StatusOK, "Connected", "Your account "+cred.Title+" is connected. You can close this window.")
		}
	})
}

var callbackTmpl = template.Must(template.New("p").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="{{.Back}}">Go to your integrations</a></p></body></html>
`))

// callbackPage is the page a connect ends on when it goes nowhere else;
// back is the web app's Integrations page, the way on.
func callbackPage(w http.ResponseWriter, status int, title, message, back string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the page's URL holds the code
	w.WriteHeader(status)
	_ = callbackTmpl.Execute(w, struct{ Title, Message, Back string }{title, message, back})
}
