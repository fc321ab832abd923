package blocks

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// TranscribeYoutubeVideoBlock keeps AutoGPT's name, id and pins: it reads a
// video's English transcript the way AutoGPT's youtube_transcript_api does
// (the watch page for the page's Innertube key, the player API for the
// caption tracks, then the chosen track's timed text) and outputs it as
// TextFormatter writes it, one caption a line. YouTube is at YOUTUBE_URL
// (https://www.youtube.com by default; a proxy or a local stub), an
// operator's URL and so trusted; every request, the caption track's too,
// goes there. AutoGPT's optional Webshare proxy credential is not taken.

// DefaultYouTubeURL is YouTube.
const DefaultYouTubeURL = "https://www.youtube.com"

var innertubeKey = regexp.MustCompile(`"INNERTUBE_API_KEY":\s*"([a-zA-Z0-9_-]+)"`)

type transcribeIn struct {
	YouTubeURL string `json:"youtube_url" jsonschema_description:"The URL of the YouTube video to transcribe, e.g. https://www.youtube.com/watch?v=dQw4w9WgXcQ."`
}

type transcribeOut struct {
	VideoID    string `json:"video_id" jsonschema_description:"The extracted YouTube video ID."`
	Transcript string `json:"transcript" jsonschema_description:"The transcribed text of the video."`
}

// TranscribeYoutubeVideoBlock transcribes videos from YOUTUBE_URL.
func TranscribeYoutubeVideoBlock() Block {
	base := strings.TrimRight(strings.TrimSpace(os.Getenv("YOUTUBE_URL")), "/")
	if base == "" {
		base = DefaultYouTubeURL
	}
	return TranscribeYoutubeVideoBlockAt(base)
}

// TranscribeYoutubeVideoBlockAt transcribes videos from the YouTube at base
// (tests: a stub).
func TranscribeYoutubeVideoBlockAt(base string) Block {
	base = strings.TrimRight(base, "/")
	return Define[transcribeIn, transcribeOut](Info{
		ID:          "f3a8f7e1-4b1d-4e5f-9f2a-7c3d5a2e6b4c",
		Name:        "TranscribeYoutubeVideoBlock",
		Description: "Transcribes a YouTube video: outputs its id and its English transcript, one caption a line (YouTube at the operator's YOUTUBE_URL, https://www.youtube.com by default).",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(3), // the watch page, the player, the captions
		PricedBy:    []string{},
	}, func(ctx context.Context, rc *RunContext, in transcribeIn, emit Emit) error {
		id, err := youtubeVideoID(in.YouTubeURL)
		if err != nil {
			return err
		}
		if err := emit("video_id", id); err != nil {
			return err
		}
		text, err := youtubeTranscript(ctx, rc, base, id)
		if err != nil {
			return err
		}
		return emit("transcript", text)
	})
}

// youtubeVideoID is AutoGPT's extract_video_id.
func youtubeVideoID(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err == nil {
		switch u.Host {
		case "youtu.be":
			if id := strings.TrimPrefix(u.Path, "/"); id != "" {
				return id, nil
			}
		case "www.youtube.com", "youtube.com":
			switch {
			case u.Path == "/watch":
				if v := u.Query().Get("v"); v != "" {
					return v, nil
				}
			case strings.HasPrefix(u.Path, "/embed/"), strings.HasPrefix(u.Path, "/v/"):
				if parts := strings.Split(u.Path, "/"); len(parts) > 2 && parts[2] != "" {
					return parts[2], nil
				}
			}
		}
	}
	return "", fmt.Errorf("Invalid YouTube URL: %s", raw)
}

type captionTrack struct {
	BaseURL      string `json:"baseUrl"`
	LanguageCode string `json:"languageCode"`
	Kind         string `json:"kind"` // "asr": generated
}

// youtubeTranscript fetches the English transcript of video id: a manually
// created track first, else a generated one (youtube_transcript_api's
// find_transcript(["en"])).
func youtubeTranscript(ctx context.Context, rc *RunContext, base, id string) (string, error) {
	lang := func(req *http.Request) { req.Header.Set("Accept-Language", "en-US") }
	status, page, err := serviceCall(ctx, rc, "YouTube", http.MethodGet, base+"/watch?v="+url.QueryEscape(id), nil, lang)
	if err != nil {
		return "", err
	}
	if status >= 300 {
		return "", fmt.Errorf("Could not retrieve a transcript for the video %s: YouTube answered %d to the watch page", id, status)
	}
	m := innertubeKey.FindSubmatch(page)
	if m == nil {
		if strings.Contains(string(page), `class="g-recaptcha"`) {
			return "", fmt.Errorf("Could not retrieve a transcript for the video %s: YouTube is blocking requests from this IP", id)
		}
		return "", fmt.Errorf("Could not retrieve a transcript for the video %s: the video is unavailable", id)
	}
	var player struct {
		PlayabilityStatus struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		} `json:"playabilityStatus"`
		Captions struct {
			Renderer struct {
				Tracks []captionTrack `json:"captionTracks"`
			} `json:"playerCaptionsTracklistRenderer"`
		} `json:"captions"`
	}
	body := map[string]any{"context": map[string]any{"client": map[string]any{"clientName": "ANDROID", "clientVersion": "20.10.38"}}, "videoId": id}
	err = serviceJSON(ctx, rc, "YouTube", http.MethodPost, base+"/youtubei/v1/player?key="+url.QueryEscape(string(m[1])), body, lang,
		func(status int, raw []byte) error {
			return fmt.Errorf("Could not retrieve a transcript for the video %s: YouTube's player answered %d: %s", id, status, apiMessage(raw))
		}, &player)
	if err != nil {
		return "", err
	}
	if s := player.PlayabilityStatus.Status; s != "" && s != "OK" {
		reason := player.PlayabilityStatus.Reason
		if reason == "" {
			reason = "the video is unplayable (" + s + ")"
		}
		return "", fmt.Errorf("Could not retrieve a transcript for the video %s: %s", id, reason)
	}
	tracks := player.Captions.Renderer.Tracks
	if len(tracks) == 0 {
		return "", fmt.Errorf("Could not retrieve a transcript for the video %s: Subtitles are disabled for this video", id)
	}
	track := pickTrack(tracks, "en")
	if track == nil {
		var have []string
		for _, t := range tracks {
			have = append(have, t.LanguageCode)
		}
		return "", fmt.Errorf("No transcripts were found for any of the requested language codes: [en] (the video %s has %s)", id, strings.Join(have, ", "))
	}
	// Every request goes to the configured YouTube: the track's path and
	// query are kept, its host is not.
	tu, err := url.Parse(track.BaseURL)
	if err != nil {
		return "", fmt.Errorf("YouTube answered a caption track URL that does not parse: %w", err)
	}
	q := tu.Query()
	if q.Get("fmt") == "srv3" {
		q.Del("fmt")
	}
	tu.RawQuery = q.Encode()
	status, raw, err := serviceCall(ctx, rc, "YouTube", http.MethodGet, base+tu.EscapedPath()+"?"+tu.RawQuery, nil, lang)
	if err != nil {
		return "", err
	}
	if status >= 300 {
		return "", fmt.Errorf("Could not retrieve a transcript for the video %s: YouTube answered %d to the caption track", id, status)
	}
	return timedTextLines(raw)
}

func pickTrack(tracks []captionTrack, lang string) *captionTrack {
	for _, generated := range []bool{false, true} {
		for i := range tracks {
			if tracks[i].LanguageCode == lang && (tracks[i].Kind == "asr") == generated {
				return &tracks[i]
			}
		}
	}
	return nil
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// timedTextLines reads YouTube's timed text (<transcript><text start dur>…)
// into TextFormatter's form: each caption's text (tags removed, entities
// unescaped), one a line, empty captions left out.
func timedTextLines(raw []byte) (string, error) {
	var doc struct {
		Texts []struct {
			Text string `xml:",chardata"`
		} `xml:"text"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("YouTube's caption track is not timed text: %w", err)
	}
	lines := make([]string, 0, len(doc.Texts))
	for _, t := range doc.Texts {
		if s := html.UnescapeString(htmlTag.ReplaceAllString(t.Text, "")); s != "" {
			lines = append(lines, s)
		}
	}
	return strings.Join(lines, "\n"), nil
}
