package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ReplicateFluxAdvancedModelBlock keeps AutoGPT's name, id and pins: it runs
// a Flux model on Replicate (a prediction created on the model, then read
// until it ends, as the replicate client's run(wait=False) does) and
// outputs the image's URL. The API is at the replicate credential's BaseURL
// (REPLICATE_API_URL, https://api.replicate.com by default); the key is a
// bearer token. A prediction is one REQUEST; reading its status is not
// charged.

var replicateCredentials = &CredentialsSpec{Providers: []string{"replicate"}, AuthTypes: []string{AuthAPIKey}}

// DefaultReplicateAPIURL is Replicate's API.
const DefaultReplicateAPIURL = "https://api.replicate.com"

// replicateFluxModels are AutoGPT's model names and Replicate's.
var replicateFluxModels = map[string]string{
	"Flux Schnell": "black-forest-labs/flux-schnell",
	"Flux Pro":     "black-forest-labs/flux-pro",
	"Flux Pro 1.1": "black-forest-labs/flux-1.1-pro",
}

// replicatePoll is the first wait between two reads of a prediction; it
// doubles up to replicatePollMax. replicateWait bounds the whole run.
var (
	replicatePoll    = 500 * time.Millisecond
	replicatePollMax = 5 * time.Second
	replicateWait    = 10 * time.Minute
)

type replicateFluxIn struct {
	Credentials     *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A replicate API key credential; your newest one when omitted."`
	Prompt          string           `json:"prompt" jsonschema_description:"Text prompt for image generation."`
	ModelName       string           `json:"replicate_model_name" jsonschema:"enum=Flux Schnell,enum=Flux Pro,enum=Flux Pro 1.1,default=Flux Schnell" jsonschema_description:"The name of the Image Generation Model, i.e Flux Schnell."`
	Seed            *int64           `json:"seed,omitempty" jsonschema_description:"Random seed. Set for reproducible generation; a random one when omitted."`
	Steps           int64            `json:"steps" jsonschema:"default=25" jsonschema_description:"Number of diffusion steps."`
	Guidance        float64          `json:"guidance" jsonschema:"default=3" jsonschema_description:"Controls the balance between adherence to the text prompt and image quality/diversity. Higher values make the output more closely match the prompt but may reduce overall image quality."`
	Interval        float64          `json:"interval" jsonschema:"default=2" jsonschema_description:"Interval is a setting that increases the variance in possible outputs. Setting this value low will ensure strong prompt following with more consistent outputs."`
	AspectRatio     string           `json:"aspect_ratio" jsonschema:"default=1:1" jsonschema_description:"Aspect ratio for the generated image: 1:1, 16:9, 2:3, 3:2, 4:5, 5:4 or 9:16."`
	OutputFormat    string           `json:"output_format" jsonschema:"enum=webp,enum=jpg,enum=png,default=webp" jsonschema_description:"File format of the output image."`
	OutputQuality   int64            `json:"output_quality" jsonschema:"default=80" jsonschema_description:"Quality when saving the output images, from 0 to 100. Not relevant for .png outputs."`
	SafetyTolerance int64            `json:"safety_tolerance" jsonschema:"default=2" jsonschema_description:"Safety tolerance, 1 is most strict and 5 is most permissive."`
}

type replicateOut struct {
	Result string `json:"result" jsonschema_description:"Generated output."`
}

// ReplicateFluxAdvancedModelBlock runs a Flux model on Replicate.
func ReplicateFluxAdvancedModelBlock() Block {
	return Define[replicateFluxIn, replicateOut](Info{
		ID:   "90f8c45e-e983-4644-aa0b-b4ebe2f531bc",
		Name: "ReplicateFluxAdvancedModelBlock",
		Description: "This block runs Flux models on Replicate with advanced settings (a replicate API key; the operator's " +
			"REPLICATE_API_URL, https://api.replicate.com by default), and outputs the generated image's URL.",
		Categories:  []Category{CategoryAIML},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(1),
		PricedBy:    []string{},
		Credentials: replicateCredentials,
	}, func(ctx context.Context, rc *RunContext, in replicateFluxIn, emit Emit) error {
		c := rc.InputCredential
		if c == nil {
			return errors.New("no replicate credential")
		}
		model, ok := replicateFluxModels[in.ModelName]
		if !ok {
			return fmt.Errorf("replicate_model_name %q is not a Flux model", in.ModelName)
		}
		seed := rand.Int64N(1 << 32) // AutoGPT: 4 random bytes when none is given
		if in.Seed != nil {
			seed = *in.Seed
		}
		input := map[string]any{"prompt": in.Prompt, "seed": seed, "steps": in.Steps, "guidance": in.Guidance,
			"interval": in.Interval, "aspect_ratio": in.AspectRatio, "output_format": in.OutputFormat,
			"output_quality": in.OutputQuality, "safety_tolerance": in.SafetyTolerance}
		out, err := replicateRun(ctx, rc, c, model, input)
		if err != nil {
			return err
		}
		return emit("result", out)
	})
}

type replicatePrediction struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
	Error  any             `json:"error"`
}

// replicateRun creates a prediction of model ("owner/name") and reads it
// until it succeeds, fails or is cancelled; the result is its output's URL
// (the first, for a list), as AutoGPT's extract_result takes it.
func replicateRun(ctx context.Context, rc *RunContext, c *Credential, model string, input map[string]any) (string, error) {
	base := serviceBase(c, DefaultReplicateAPIURL)
	owner, name, _ := strings.Cut(model, "/")
	auth := func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+c.Secret) }
	var p replicatePrediction
	err := serviceJSON(ctx, rc, "Replicate", http.MethodPost,
		base+"/v1/models/"+url.PathEscape(owner)+"/"+url.PathEscape(name)+"/predictions",
		map[string]any{"input": input}, auth, replicateError, &p)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(replicateWait)
	wait := replicatePoll
	for p.Status != "succeeded" && p.Status != "failed" && p.Status != "canceled" {
		if p.ID == "" {
			return "", errors.New("Replicate answered a prediction without an id")
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("Replicate's prediction %s did not end within %v", p.ID, replicateWait)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, replicatePollMax)
		status, raw, err := serviceDo(ctx, "Replicate", http.MethodGet, base+"/v1/predictions/"+url.PathEscape(p.ID), nil, auth)
		if err != nil {
			return "", err
		}
		if status >= 300 {
			return "", replicateError(status, raw)
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return "", fmt.Errorf("Replicate's answer is not the expected JSON: %w", err)
		}
	}
	if p.Status != "succeeded" {
		return "", fmt.Errorf("Replicate's prediction %s %s: %v", p.ID, p.Status, p.Error)
	}
	return replicateResult(p.Output)
}

// replicateResult is an output URL: the output itself, or its first item.
func replicateResult(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0], nil
	}
	return "", fmt.Errorf("Replicate's prediction has no output URL (output %s)", strings.TrimSpace(string(raw)))
}

func replicateError(status int, raw []byte) error {
	if status == http.StatusUnauthorized {
		return errors.New("Replicate refused the API key (401): check your Replicate credential")
	}
	return fmt.Errorf("Replicate answered %d: %s", status, apiMessage(raw))
}
