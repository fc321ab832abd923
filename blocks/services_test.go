package blocks_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/servicestub"
)

func serviceCred(provider, key, base string) *blocks.RunContext {
	return &blocks.RunContext{InputCredential: &blocks.Credential{Provider: provider, Type: blocks.AuthAPIKey, Secret: key, BaseURL: base},
		AllowPrivateNetwork: true}
}

func TestIdeogramModelBlockAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := servicestub.New()
	t.Cleanup(stub.Close)
	rc := serviceCred("ideogram", servicestub.IdeogramKey, stub.URL+"/")

	// AutoGPT's defaults: V_3, no upscale; the Unspirational Poster Maker's node.
	out, err := runBlock(t, rc, "IdeogramModelBlock", map[string]any{"prompt": "A sloth on a keyboard", "upscale": "No Upscale"})
	require.NoError(t, err)
	require.Equal(t, stub.URL+"/images/v1-ideogram-v3-generate.png", out["result"])

	// A legacy model, upscaled: the image is downloaded and sent to /upscale.
	out, err = runBlock(t, rc, "IdeogramModelBlock", map[string]any{"prompt": "A cat", "ideogram_model_name": "V_2", "upscale": "AI Upscale", "seed": 7})
	require.NoError(t, err)
	require.Equal(t, stub.URL+"/images/upscale.png", out["result"])
	require.Equal(t, []string{"POST /v1/ideogram-v3/generate", "POST /generate", "GET /images/generate.png", "POST /upscale"}, stub.Requests())

	_, err = runBlock(t, serviceCred("ideogram", "wrong", stub.URL), "IdeogramModelBlock", map[string]any{"prompt": "x"})
	require.ErrorContains(t, err, "Invalid or expired API key. Please check your Ideogram API credentials.")
	_, err = runBlock(t, &blocks.RunContext{}, "IdeogramModelBlock", map[string]any{"prompt": "x"})
	require.ErrorContains(t, err, "no ideogram credential")
}

func TestReplicateFluxAdvancedModelBlockAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := servicestub.New()
	t.Cleanup(stub.Close)
	rc := serviceCred("replicate", servicestub.ReplicateKey, stub.URL)
	// The Flux AI Image Generator's node.
	out, err := runBlock(t, rc, "ReplicateFluxAdvancedModelBlock", map[string]any{"prompt": "dog", "output_format": "png", "replicate_model_name": "Flux Pro 1.1"})
	require.NoError(t, err)
	require.Equal(t, stub.URL+"/images/pred1.webp", out["result"])
	require.Equal(t, []string{"POST /v1/models/black-forest-labs/flux-1.1-pro/predictions", "GET /v1/predictions/pred1", "GET /v1/predictions/pred1"},
		stub.Requests(), "created on the model, read until it succeeds")

	_, err = runBlock(t, serviceCred("replicate", "wrong", stub.URL), "ReplicateFluxAdvancedModelBlock", map[string]any{"prompt": "dog"})
	require.ErrorContains(t, err, "Replicate refused the API key (401)")
}

func TestGoogleMapsSearchBlockAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := servicestub.New()
	t.Cleanup(stub.Close)
	for i := range 25 {
		stub.Places = append(stub.Places, servicestub.Place{Name: "Roaster " + string(rune('A'+i)), Address: "1 High St, Edinburgh",
			Phone: "0131 000 0000", Website: "https://roaster.example", Rating: 4.5, Reviews: 10 + i})
	}
	rc := serviceCred("google_maps", servicestub.GoogleMapsKey, stub.URL)
	var places []map[string]any
	b, _ := blocks.Builtin().ByName("GoogleMapsSearchBlock")
	err := b.Run(context.Background(), rc, map[string]any{"query": "Coffee Roasters in Edinburgh, UK", "radius": 50000, "max_results": 22},
		func(pin string, v any) error { places = append(places, v.(map[string]any)); return nil })
	require.NoError(t, err)
	require.Len(t, places, 22, "a page of 20, then the 2 left")
	require.Equal(t, "Roaster A", places[0]["name"])
	require.Equal(t, int64(10), places[0]["reviews"])
	require.Equal(t, "ChIJstub21", places[21]["place_id"])
	require.Equal(t, []string{"POST /v1/places:searchText", "POST /v1/places:searchText"}, stub.Requests())

	_, err = runBlock(t, serviceCred("google_maps", "wrong", stub.URL), "GoogleMapsSearchBlock", map[string]any{"query": "x"})
	require.ErrorContains(t, err, "Google rejected the Maps API key.")
}

func TestTranscribeYoutubeVideoBlockAgainstAStub(t *testing.T) {
	t.Parallel()
	stub := servicestub.New()
	t.Cleanup(stub.Close)
	stub.Videos["J1Mzd1ZeSaU"] = []string{"Never gonna give you up", "I'm never gonna let you down", ""}
	b := blocks.TranscribeYoutubeVideoBlockAt(stub.URL)
	run := func(url string) (map[string]any, error) {
		out := map[string]any{}
		err := b.Run(context.Background(), &blocks.RunContext{}, map[string]any{"youtube_url": url}, func(pin string, v any) error { out[pin] = v; return nil })
		return out, err
	}
	for _, url := range []string{"https://www.youtube.com/watch?v=J1Mzd1ZeSaU", "https://youtu.be/J1Mzd1ZeSaU", "https://youtube.com/embed/J1Mzd1ZeSaU"} {
		out, err := run(url)
		require.NoError(t, err, url)
		require.Equal(t, map[string]any{"video_id": "J1Mzd1ZeSaU", "transcript": "Never gonna give you up\nI'm never gonna let you down"}, out, url)
	}
	require.Equal(t, []string{"GET /watch", "POST /youtubei/v1/player", "GET /api/timedtext"}, stub.Requests()[:3],
		"the caption track is read from the configured YouTube, not the host its URL names")

	out, err := run("https://www.youtube.com/watch?v=missing")
	require.ErrorContains(t, err, "Could not retrieve a transcript for the video missing: This video is unavailable")
	require.Equal(t, "missing", out["video_id"], "the id is out before the transcript fails")
	_, err = run("https://vimeo.com/1")
	require.ErrorContains(t, err, "Invalid YouTube URL: https://vimeo.com/1")
}
