package resolvers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/blocks/jinastub"
	"github.com/agentgraph/agentgraph/blocks/llm/llmstub"
	"github.com/agentgraph/agentgraph/blocks/servicestub"
	"github.com/agentgraph/agentgraph/internal/credentials"
	"github.com/agentgraph/agentgraph/internal/integrations/oauthstub"
	"github.com/agentgraph/agentgraph/internal/model"
)

// AutoGPT's own example agents (the *.json of AutoGPT's
// autogpt_platform/backend/agents, copied into AUTOGPT_AGENTS_DIR as for
// internal/autogpt's TestExampleAgents; they are not part of this
// repository, so the test is skipped without them) imported unchanged
// through the API and run to COMPLETED, every service they call a local
// stub: the models (llmstub, on the operator's keys), Jina, YouTube,
// Google Maps, Ideogram and Replicate (servicestub, at the operator's
// URLs, with the user's keys). Each run's outputs are checked against what
// the stubs answered.
func TestExampleAgentsRunAgainstStubs(t *testing.T) {
	dir := os.Getenv("AUTOGPT_AGENTS_DIR")
	if dir == "" {
		t.Skip("AUTOGPT_AGENTS_DIR is not set")
	}
	services := servicestub.New()
	t.Cleanup(services.Close)
	services.Videos["J1Mzd1ZeSaU"] = []string{"Agents plan their work.", "They call tools & check results."}
	services.Videos["KWonAsyKF3g"] = []string{"Automation frees people for creative work."}
	for _, n := range []string{"Bean There", "Grind House", "Roast Office"} {
		services.Places = append(services.Places, servicestub.Place{Name: n, Address: "1 Royal Mile, Edinburgh", Phone: "0131 496 0000",
			Website: "https://" + strings.ToLower(strings.ReplaceAll(n, " ", "")) + ".example", Rating: 4.6, Reviews: 120})
	}
	jina := jinastub.New("jina_key")
	t.Cleanup(jina.Close)
	jina.Pages["https://agpt.co"] = "AutoGPT: build, deploy and run AI agents."
	llm := llmstub.New(func(_ int, s llmstub.Seen) llmstub.Reply {
		var raw strings.Builder
		enc := json.NewEncoder(&raw)
		enc.SetEscapeHTML(false) // the prompts' tags as written
		_ = enc.Encode(s.Body)
		body := raw.String()
		switch {
		case strings.Contains(body, "<blog_post></blog_post>"):
			return llmstub.Reply{Chunks: []string{"<title>Agents at work</title>", "<blog_post>Agents plan, then act.</blog_post>",
				"<keywords>agents, tools</keywords>"}, Input: 200, Output: 30}
		case strings.Contains(body, "<email>"):
			return llmstub.Reply{Chunks: []string{"<email>hello@apple.example</email>"}, Input: 100, Output: 10}
		}
		return llmstub.Reply{Chunks: []string{"Stub ", "answer."}, Input: 50, Output: 2}
	})
	t.Cleanup(llm.Close)
	oauth := oauthstub.New()
	t.Cleanup(oauth.Close)

	env := []string{"IDEOGRAM_API_URL", services.URL, "REPLICATE_API_URL", services.URL, "GOOGLE_MAPS_API_URL", services.URL}
	for k, v := range jina.Env() {
		env = append(env, k, v)
	}
	// YOUTUBE_URL is read when the library is built: here, a library whose
	// transcriber reads the stub.
	var lib []blocks.Block
	for _, b := range blocks.BuiltinBlocks() {
		if b.Info().Name != "TranscribeYoutubeVideoBlock" {
			lib = append(lib, b)
		}
	}
	reg, err := blocks.NewRegistry(append(lib, blocks.TranscribeYoutubeVideoBlockAt(services.URL))...)
	require.NoError(t, err)
	b := setupIntegrationsWith(t, oauth, integrationsSetup{blocks: reg, operator: credentials.OperatorKeys{
		"openai":    {Provider: "openai", Type: "API_KEY", Secret: "sk-operator", BaseURL: llm.OpenAIBaseURL(), Operator: true},
		"anthropic": {Provider: "anthropic", Type: "API_KEY", Secret: "sk-ant-operator", BaseURL: llm.AnthropicBaseURL(), Operator: true},
	}}, env...)
	_, tok := b.user(model.RoleUser)
	for provider, key := range map[string]string{"jina": "jina_key", "ideogram": servicestub.IdeogramKey,
		"replicate": servicestub.ReplicateKey, "google_maps": servicestub.GoogleMapsKey} {
		b.ok(tok, `mutation($p: String!, $s: String!) { createCredential(input: {provider: $p, authType: API_KEY, secret: $s, title: $p}) { id } }`,
			map[string]any{"p": provider, "s": key}, "createCredential", nil)
	}

	stub := []any{"Stub answer."}
	for _, c := range []struct {
		file   string
		inputs map[string]any
		want   map[string][]any
	}{
		{"calculator-agent.json", map[string]any{"Input": 8}, map[string][]any{"Output": {42.0}}},
		{"agent_31d7abc3-e191-5cac-b3be-3e603fc49314.json", // Win-back Email Writer
			map[string]any{"Contact or Segment": "Ana", "What Happened": "Last order in March.", "The Offer": "Free shipping this month.", "Sender Name": "Bo"},
			map[string][]any{"Win-back Email": stub}},
		{"agent_a1af1733-b566-5e2f-ae20-068e2163c4cc.json", // Lifecycle Email Sequence Builder
			map[string]any{"Product": "A note-taking app.", "Audience": "New sign-ups."}, map[string][]any{"Email Sequence": stub}},
		{"agent_516d813b-d1bc-470f-add7-c63a4b2c2bad.json", nil, map[string][]any{"return": stub}},                   // AI Function
		{"agent_fc2c9976-0962-4625-a27b-d316573a9e7f.json", nil, map[string][]any{"Email": {"hello@apple.example"}}}, // Email Address Finder
		{"agent_f2cc74bb-f43f-4395-9c35-ecb30b5b4fc9.json", nil, // AI Webpage Copy Improver
			map[string][]any{"Improved Webpage Copy": stub, "Original Page Analysis": stub}},
		{"agent_31daf49d-31d3-476b-aa4c-099abc59b458.json", nil, // Unspirational Poster Maker: 4 Ideogram images
			map[string][]any{"Generated Image": repeat(services.URL+"/images/v1-ideogram-v3-generate.png", 4)}},
		{"agent_d85882b8-633f-44ce-a315-c20a8c123d19.json", nil, // Flux AI Image Generator
			map[string][]any{"Generated Image": {services.URL + "/images/pred1.webp"}}},
		// AI YouTube-to-Blog Converter: the transcript is read and both
		// models answer, but the agent asks for three sibling tags, which
		// XMLParserBlock refuses as AutoGPT's does (a single root): the
		// agent's own error path, to its "Error" output, ends the run.
		{"agent_e437cc95-e671-489d-b915-76561fba8c7f.json", nil, map[string][]any{"Error": {"XML must have a single root element"}}},
		{"agent_e7bb29a1-23c7-4fee-aa3b-5426174b8c52.json", nil, map[string][]any{"LinkedIn Post": stub}}, // YouTube to LinkedIn Post Converter
		{"agent_a548e507-09a7-4b30-909c-f63fcda10fff.json", nil, map[string][]any{ // Lead Finder: 3 places
			"Name": {"Bean There", "Grind House", "Roast Office"}, "Address": repeat("1 Royal Mile, Edinburgh", 3),
			"Phone Number": repeat("0131 496 0000", 3), "Rating": repeat("4.6", 3), "Number of Reviews": repeat("120", 3),
			"Website": {"https://beanthere.example", "https://grindhouse.example", "https://roastoffice.example"}}},
	} {
		doc, err := os.ReadFile(filepath.Join(dir, c.file))
		require.NoError(t, err)
		var parsed map[string]any
		require.NoError(t, json.Unmarshal(doc, &parsed))
		res := importDoc(b, tok, parsed, nil)
		res.requireRunnable(t)
		var got map[string][]any
		require.NoError(t, json.Unmarshal([]byte(runToEnd(t, b, tok, res.Graph.GraphID, c.inputs)), &got), c.file)
		for pin, want := range c.want {
			require.ElementsMatch(t, want, got[pin], "%s (%s): output %q of %v", c.file, parsed["name"], pin, got)
		}
		t.Logf("%s %q: COMPLETED, outputs %v", c.file, parsed["name"], keys(got))
	}
}

// runToEnd runs the graph's active version and returns its outputs once
// COMPLETED; another end fails the test naming each failed node's error.
func runToEnd(t *testing.T, b *bundle, tok, graphID string, inputs map[string]any) string {
	t.Helper()
	var ex struct{ ID string }
	b.ok(tok, `mutation($g: ID!, $in: JSON) { executeGraph(graphId: $g, inputs: $in) { id } }`,
		map[string]any{"g": graphID, "in": inputs}, "executeGraph", &ex)
	return outputsAtEnd(t, b, tok, ex.ID)
}

// outputsAtEnd waits for run id's end and returns its outputs once
// COMPLETED; another end fails the test naming each failed node's error.
func outputsAtEnd(t *testing.T, b *bundle, tok, id string) string {
	t.Helper()
	ex := struct{ ID string }{id}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var e struct {
			Status         string
			Outputs        json.RawMessage
			NodeExecutions []struct {
				Status       string
				ErrorMessage *string
				Node         struct{ Key string }
			}
		}
		b.ok(tok, `query($id: ID!) { execution(id: $id) { status outputs nodeExecutions { status errorMessage node { key } } } }`,
			map[string]any{"id": ex.ID}, "execution", &e)
		switch e.Status {
		case "COMPLETED":
			return string(e.Outputs)
		case "FAILED", "TERMINATED":
			var why []string
			for _, n := range e.NodeExecutions {
				if n.ErrorMessage != nil {
					why = append(why, n.Node.Key+": "+*n.ErrorMessage)
				}
			}
			t.Fatalf("execution %s is %s: %v", ex.ID, e.Status, why)
		}
		require.True(t, time.Now().Before(deadline), "execution %s is still %s", ex.ID, e.Status)
		time.Sleep(20 * time.Millisecond)
	}
}

func repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func keys(m map[string][]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
