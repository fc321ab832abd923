// Package servicestub is a test double of the services AutoGPT's example
// agents call: Ideogram's image API, Replicate's predictions, Google's
// Places API (New) Text Search and YouTube's watch page, player API and
// timed text. One HTTP server speaks their wire formats (their paths,
// authentication headers, JSON answers and error bodies), so tests
// exercise the blocks' real requests end to end. Only tests import it.
package servicestub

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Keys are the API keys the stub accepts.
const (
	IdeogramKey   = "ideogram_key"
	ReplicateKey  = "r8_key"
	GoogleMapsKey = "maps_key"
	innertubeKey  = "AIzaStubInnertubeKey"
)

// Place is a place the Text Search answers.
type Place struct {
	Name, Address, Phone, Website string
	Rating                        float64
	Reviews                       int
}

// Stub is a running server.
type Stub struct {
	*httptest.Server

	mu       sync.Mutex
	requests []string
	polls    map[string]int
	// Videos are the transcripts by video id (one caption a line);
	// another id has no captions.
	Videos map[string][]string
	// Places are what every search finds, 20 a page.
	Places []Place
}

// New starts the stub.
func New() *Stub {
	s := &Stub{polls: map[string]int{}, Videos: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/ideogram-v3/generate", s.ideogram)
	mux.HandleFunc("POST /generate", s.ideogram)
	mux.HandleFunc("POST /upscale", s.ideogram)
	mux.HandleFunc("GET /images/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		w.Header().Set("Content-Type", "image/png")
		_, _ = io.WriteString(w, "\x89PNG stub image "+r.PathValue("name"))
	})
	mux.HandleFunc("POST /v1/models/{owner}/{name}/predictions", s.predict)
	mux.HandleFunc("GET /v1/predictions/{id}", s.prediction)
	mux.HandleFunc("POST /v1/places:searchText", s.places)
	mux.HandleFunc("GET /watch", s.watch)
	mux.HandleFunc("POST /youtubei/v1/player", s.player)
	mux.HandleFunc("GET /api/timedtext", s.timedText)
	s.Server = httptest.NewServer(mux)
	return s
}

// Requests returns "METHOD path" of each request received, in order.
func (s *Stub) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Stub) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ideogram answers a generation or an upscale with one image of the stub.
func (s *Stub) ideogram(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if r.Header.Get("Api-Key") != IdeogramKey {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid API key"})
		return
	}
	prompt := ""
	if r.URL.Path == "/upscale" {
		if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("image_request") != "{}" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "image_request and image_file are required"})
			return
		}
		f, _, err := r.FormFile("image_file")
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "image_file is required"})
			return
		}
		_ = f.Close()
	} else {
		var body struct {
			Prompt       string `json:"prompt"`
			ImageRequest struct {
				Prompt string `json:"prompt"`
				Model  string `json:"model"`
			} `json:"image_request"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		prompt = body.Prompt + body.ImageRequest.Prompt
		if prompt == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": "prompt is required"})
			return
		}
	}
	name := strings.Trim(strings.ReplaceAll(r.URL.Path, "/", "-"), "-")
	writeJSON(w, http.StatusOK, map[string]any{"created": "2026-11-30T00:00:00Z",
		"data": []map[string]any{{"url": s.URL + "/images/" + name + ".png", "prompt": prompt, "resolution": "1024x1024", "is_image_safe": true}}})
}

// predict creates a prediction; it succeeds on its second read.
func (s *Stub) predict(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if r.Header.Get("Authorization") != "Bearer "+ReplicateKey {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401})
		return
	}
	var body struct {
		Input map[string]any `json:"input"`
	}
	if json.NewDecoder(r.Body).Decode(&body) != nil || body.Input["prompt"] == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": "input.prompt is required", "status": 422})
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("pred%d", len(s.polls)+1)
	s.polls[id] = 0
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "model": r.PathValue("owner") + "/" + r.PathValue("name"), "status": "starting", "input": body.Input})
}

func (s *Stub) prediction(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	id := r.PathValue("id")
	s.mu.Lock()
	n, ok := s.polls[id]
	s.polls[id] = n + 1
	s.mu.Unlock()
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found.", "status": 404})
	case n == 0:
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": "processing", "output": nil})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": "succeeded", "output": s.URL + "/images/" + id + ".webp"})
	}
}

// places answers Text Search, 20 places a page (pageSize at most).
func (s *Stub) places(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if r.Header.Get("X-Goog-Api-Key") != GoogleMapsKey {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "API key not valid. Please pass a valid API key.",
			"status": "INVALID_ARGUMENT", "details": []map[string]any{{"reason": "API_KEY_INVALID"}}}})
		return
	}
	if !strings.Contains(r.Header.Get("X-Goog-FieldMask"), "places.displayName") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "FieldMask is a required parameter."}})
		return
	}
	var body struct {
		TextQuery string `json:"textQuery"`
		PageSize  int    `json:"pageSize"`
		PageToken string `json:"pageToken"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	start := 0
	_, _ = fmt.Sscanf(body.PageToken, "page%d", &start)
	size := min(max(body.PageSize, 1), 20)
	end := min(start+size, len(s.Places))
	var out []map[string]any
	for i := start; i < end; i++ {
		p := s.Places[i]
		out = append(out, map[string]any{"id": fmt.Sprintf("ChIJstub%d", i), "displayName": map[string]any{"text": p.Name, "languageCode": "en"},
			"formattedAddress": p.Address, "nationalPhoneNumber": p.Phone, "websiteUri": p.Website, "rating": p.Rating,
			"userRatingCount": p.Reviews, "location": map[string]any{"latitude": 55.95, "longitude": -3.19},
			"googleMapsUri": fmt.Sprintf("https://maps.google.com/?cid=%d", i)})
	}
	answer := map[string]any{"places": out}
	if end < len(s.Places) {
		answer["nextPageToken"] = fmt.Sprintf("page%d", end)
	}
	writeJSON(w, http.StatusOK, answer)
}

// watch answers the watch page carrying the Innertube key.
func (s *Stub) watch(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><script>ytcfg.set({"INNERTUBE_API_KEY":"%s","INNERTUBE_CLIENT_NAME":"WEB"});</script></head><body>%s</body></html>`,
		innertubeKey, html.EscapeString(r.URL.Query().Get("v")))
}

// player answers the caption tracks of a known video; their URLs name
// YouTube's host, as YouTube's do.
func (s *Stub) player(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if r.URL.Query().Get("key") != innertubeKey {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403, "message": "The caller does not have permission"}})
		return
	}
	var body struct {
		VideoID string `json:"videoId"`
		Context struct {
			Client struct {
				ClientName string `json:"clientName"`
			} `json:"client"`
		} `json:"context"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	if _, ok := s.Videos[body.VideoID]; !ok {
		writeJSON(w, http.StatusOK, map[string]any{"playabilityStatus": map[string]any{"status": "ERROR", "reason": "This video is unavailable"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"playabilityStatus": map[string]any{"status": "OK"},
		"captions": map[string]any{"playerCaptionsTracklistRenderer": map[string]any{"captionTracks": []map[string]any{
			{"baseUrl": "https://www.youtube.com/api/timedtext?v=" + body.VideoID + "&lang=de&fmt=srv3", "languageCode": "de", "kind": "asr"},
			{"baseUrl": "https://www.youtube.com/api/timedtext?v=" + body.VideoID + "&lang=en&fmt=srv3", "languageCode": "en", "kind": "asr"},
		}}}})
}

// timedText answers a video's captions as timed text.
func (s *Stub) timedText(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	lines, ok := s.Videos[r.URL.Query().Get("v")]
	if !ok || r.URL.Query().Get("lang") != "en" || r.URL.Query().Get("fmt") != "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8" ?><transcript>`)
	for i, l := range lines {
		// YouTube escapes the caption's entities once more inside the XML.
		fmt.Fprintf(w, `<text start="%d.0" dur="2.5">%s</text>`, 2*i, html.EscapeString(html.EscapeString(l)))
	}
	_, _ = io.WriteString(w, `</transcript>`)
}
