package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// IdeogramModelBlock keeps AutoGPT's name, id and pins: it generates an
// image with Ideogram's API (the V_3 endpoint for V_3, the legacy one for
// the others), optionally upscales it, and outputs the image's URL. The API
// is at the ideogram credential's BaseURL (IDEOGRAM_API_URL,
// https://api.ideogram.ai by default); the key goes in the Api-Key header.

var ideogramCredentials = &CredentialsSpec{Providers: []string{"ideogram"}, AuthTypes: []string{AuthAPIKey}}

// DefaultIdeogramAPIURL is Ideogram's API.
const DefaultIdeogramAPIURL = "https://api.ideogram.ai"

type ideogramIn struct {
	Credentials        *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"An ideogram API key credential; your newest one when omitted."`
	Prompt             string           `json:"prompt" jsonschema_description:"Text prompt for image generation."`
	ModelName          string           `json:"ideogram_model_name" jsonschema:"enum=V_3,enum=V_2,enum=V_1,enum=V_1_TURBO,enum=V_2_TURBO,default=V_3" jsonschema_description:"The name of the Image Generation Model, e.g., V_3."`
	AspectRatio        string           `json:"aspect_ratio" jsonschema:"enum=ASPECT_10_16,enum=ASPECT_16_10,enum=ASPECT_9_16,enum=ASPECT_16_9,enum=ASPECT_3_2,enum=ASPECT_2_3,enum=ASPECT_4_3,enum=ASPECT_3_4,enum=ASPECT_1_1,enum=ASPECT_1_3,enum=ASPECT_3_1,default=ASPECT_1_1" jsonschema_description:"Aspect ratio for the generated image."`
	Upscale            string           `json:"upscale" jsonschema:"enum=AI Upscale,enum=No Upscale,default=No Upscale" jsonschema_description:"Upscale the generated image."`
	MagicPromptOption  string           `json:"magic_prompt_option" jsonschema:"enum=AUTO,enum=ON,enum=OFF,default=AUTO" jsonschema_description:"Whether to use MagicPrompt for enhancing the request."`
	Seed               *int64           `json:"seed,omitempty" jsonschema_description:"Random seed. Set for reproducible generation."`
	StyleType          string           `json:"style_type" jsonschema:"enum=AUTO,enum=GENERAL,enum=REALISTIC,enum=DESIGN,enum=RENDER_3D,enum=ANIME,default=AUTO" jsonschema_description:"Style type to apply, applicable for V_2 and above."`
	NegativePrompt     *string          `json:"negative_prompt,omitempty" jsonschema_description:"Description of what to exclude from the image."`
	ColorPaletteName   string           `json:"color_palette_name" jsonschema:"enum=NONE,enum=EMBER,enum=FRESH,enum=JUNGLE,enum=MAGIC,enum=MELON,enum=MOSAIC,enum=PASTEL,enum=ULTRAMARINE,default=NONE" jsonschema_description:"Color palette preset name, choose 'None' to skip."`
	CustomColorPalette []string         `json:"custom_color_palette,omitempty" jsonschema_description:"Only available for model version V_2 or V_2_TURBO: one or more color hex codes defining a custom color palette, used only if color_palette_name is NONE."`
}

type ideogramOut struct {
	Result string `json:"result" jsonschema_description:"Generated image URL."`
}

// ideogramV3Ratios maps AutoGPT's aspect ratio names to the V_3 endpoint's.
var ideogramV3Ratios = map[string]string{
	"ASPECT_10_16": "10x16", "ASPECT_16_10": "16x10", "ASPECT_9_16": "9x16", "ASPECT_16_9": "16x9",
	"ASPECT_3_2": "3x2", "ASPECT_2_3": "2x3", "ASPECT_4_3": "4x3", "ASPECT_3_4": "3x4",
	"ASPECT_1_1": "1x1", "ASPECT_1_3": "1x3", "ASPECT_3_1": "3x1",
}

// IdeogramModelBlock generates an image with Ideogram.
func IdeogramModelBlock() Block {
	return Define[ideogramIn, ideogramOut](Info{
		ID:   "6ab085e2-20b3-4055-bc3e-08036e01eca6",
		Name: "IdeogramModelBlock",
		Description: "This block runs Ideogram models with both simple and advanced settings (an ideogram API key; the " +
			"operator's IDEOGRAM_API_URL, https://api.ideogram.ai by default), and outputs the generated image's URL.",
		Categories:  []Category{CategoryAIML},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(3), // generate, and for an upscale the download and the upscale
		PricedBy:    []string{},
		Credentials: ideogramCredentials,
	}, func(ctx context.Context, rc *RunContext, in ideogramIn, emit Emit) error {
		c := rc.InputCredential
		if c == nil {
			return errors.New("no ideogram credential")
		}
		if strings.TrimSpace(in.Prompt) == "" {
			return errors.New("prompt is empty")
		}
		base := serviceBase(c, DefaultIdeogramAPIURL)
		url, err := ideogramGenerate(ctx, rc, c, base, in)
		if err != nil {
			return err
		}
		if in.Upscale == "AI Upscale" {
			if url, err = ideogramUpscale(ctx, rc, c, base, url); err != nil {
				return err
			}
		}
		return emit("result", url)
	})
}

// ideogramGenerate asks for one image, as AutoGPT's block does: V_3 by the
// V_3 endpoint (JSON, aspect ratios as "1x1", no palette), the other models
// by the legacy one (an image_request; style only from V_2, palettes only
// for V_2 and V_2_TURBO).
func ideogramGenerate(ctx context.Context, rc *RunContext, c *Credential, base string, in ideogramIn) (string, error) {
	var path string
	var body map[string]any
	if in.ModelName == "V_3" {
		ratio, ok := ideogramV3Ratios[in.AspectRatio]
		if !ok {
			ratio = "1x1"
		}
		path = "/v1/ideogram-v3/generate"
		body = map[string]any{"prompt": in.Prompt, "aspect_ratio": ratio, "magic_prompt": in.MagicPromptOption, "style_type": in.StyleType}
		if in.Seed != nil {
			body["seed"] = *in.Seed
		}
		if in.NegativePrompt != nil && *in.NegativePrompt != "" {
			body["negative_prompt"] = *in.NegativePrompt
		}
	} else {
		path = "/generate"
		ir := map[string]any{"prompt": in.Prompt, "model": in.ModelName, "aspect_ratio": in.AspectRatio, "magic_prompt_option": in.MagicPromptOption}
		if in.ModelName == "V_2" || in.ModelName == "V_2_TURBO" {
			ir["style_type"] = in.StyleType
		}
		if in.Seed != nil {
			ir["seed"] = *in.Seed
		}
		if in.NegativePrompt != nil && *in.NegativePrompt != "" {
			ir["negative_prompt"] = *in.NegativePrompt
		}
		body = map[string]any{"image_request": ir}
		if in.ModelName == "V_2" || in.ModelName == "V_2_TURBO" {
			if in.ColorPaletteName != "NONE" && in.ColorPaletteName != "" {
				body["color_palette"] = map[string]any{"name": in.ColorPaletteName}
			} else if len(in.CustomColorPalette) > 0 {
				members := make([]map[string]string, len(in.CustomColorPalette))
				for i, hex := range in.CustomColorPalette {
					members[i] = map[string]string{"color_hex": hex}
				}
				body["color_palette"] = map[string]any{"members": members}
			}
		}
	}
	var out ideogramAnswer
	err := serviceJSON(ctx, rc, "Ideogram", http.MethodPost, base+path, body, ideogramKey(c), ideogramError, &out)
	if err != nil {
		return "", err
	}
	return out.url()
}

type ideogramAnswer struct {
	Data []struct {
		URL string `json:"url"`
	} `json:"data"`
}

func (a ideogramAnswer) url() (string, error) {
	if len(a.Data) == 0 || a.Data[0].URL == "" {
		return "", errors.New("Ideogram answered no image")
	}
	return a.Data[0].URL, nil
}

func ideogramKey(c *Credential) func(*http.Request) {
	return func(req *http.Request) { req.Header.Set("Api-Key", c.Secret) }
}

// ideogramError words a refusal as AutoGPT's block does.
func ideogramError(status int, raw []byte) error {
	switch {
	case status == http.StatusUnauthorized:
		return errors.New("Invalid or expired API key. Please check your Ideogram API credentials.")
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return fmt.Errorf("Invalid request parameters: Ideogram answered %d: %s", status, apiMessage(raw))
	case status >= 500:
		return fmt.Errorf("Ideogram server error: %d: %s", status, apiMessage(raw))
	default:
		return fmt.Errorf("Client error: Ideogram answered %d: %s", status, apiMessage(raw))
	}
}

// ideogramUpscale downloads the image (through the private-network guard:
// its URL is in the provider's answer) and sends it to /upscale as AutoGPT
// does (multipart: image_request "{}" and image_file).
func ideogramUpscale(ctx context.Context, rc *RunContext, c *Credential, base, imageURL string) (string, error) {
	img, err := downloadGuarded(ctx, rc, imageURL)
	if err != nil {
		return "", fmt.Errorf("Failed to upscale image: downloading it: %w", err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("image_request", "{}")
	fw, err := mw.CreateFormFile("image_file", "image.png")
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(img); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	if err := rc.UseUnits(CostRequest, 1); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, serviceTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/upscale", &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	ideogramKey(c)(req)
	resp, err := unguardedClient.Do(req)
	if err != nil {
		return "", requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return "", requestError(ctx, req, serviceTimeout.Seconds(), err)
	}
	if resp.StatusCode >= 300 {
		return "", ideogramError(resp.StatusCode, raw)
	}
	var out ideogramAnswer
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("Ideogram's answer is not the expected JSON: %w", err)
	}
	return out.url()
}
