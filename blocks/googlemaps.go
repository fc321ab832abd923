package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// GoogleMapsSearchBlock keeps AutoGPT's name, id and pins: it searches
// Google's Places API (New) Text Search, a page of up to 20 places at a
// time, and outputs each place found. The API is at the google_maps
// credential's BaseURL (GOOGLE_MAPS_API_URL, https://places.googleapis.com
// by default); the key goes in the X-Goog-Api-Key header. As in AutoGPT,
// radius is accepted but not sent: a radius needs a centre point.

var googleMapsCredentials = &CredentialsSpec{Providers: []string{"google_maps"}, AuthTypes: []string{AuthAPIKey}}

// DefaultGoogleMapsAPIURL is Google's Places API.
const DefaultGoogleMapsAPIURL = "https://places.googleapis.com"

// googleMapsFields is the field mask AutoGPT asks for.
const googleMapsFields = "places.id,places.displayName,places.formattedAddress,places.location,places.googleMapsUri," +
	"places.nationalPhoneNumber,places.websiteUri,places.rating,places.userRatingCount,nextPageToken"

// googleMapsHints are AutoGPT's messages for Google's refusal reasons.
var googleMapsHints = map[string]string{
	"API_KEY_INVALID": "Google rejected the Maps API key. Check the key saved in your Google Maps credentials.",
	"SERVICE_DISABLED": "Places API (New) isn't enabled on the Google Cloud project that owns this Maps API key. " +
		"Enable it in the Google Cloud console under APIs & Services, then try again.",
	"API_KEY_SERVICE_BLOCKED": "This Maps API key isn't allowed to call Places API (New). Add it to the key's API restrictions in the Google Cloud console.",
}

type googleMapsIn struct {
	Credentials *CredentialsMeta `json:"credentials,omitempty" jsonschema_description:"A google_maps API key credential; your newest one when omitted."`
	Query       string           `json:"query" jsonschema_description:"Search query for local businesses, e.g. 'restaurants in New York'."`
	Radius      int64            `json:"radius" jsonschema:"default=5000,minimum=1,maximum=50000" jsonschema_description:"Not used: Google needs a centre point to apply a radius, so name the area in the query instead. Kept so existing agents still load."`
	MaxResults  int64            `json:"max_results" jsonschema:"default=20,minimum=1,maximum=60" jsonschema_description:"Maximum number of results to return (max 60)."`
}

type googleMapsPlace struct {
	Name          string   `json:"name" jsonschema_description:"The place's name."`
	Address       string   `json:"address" jsonschema_description:"The formatted address."`
	Phone         string   `json:"phone" jsonschema_description:"The national phone number."`
	Rating        float64  `json:"rating" jsonschema_description:"The rating."`
	Reviews       int64    `json:"reviews" jsonschema_description:"The number of ratings."`
	Website       string   `json:"website" jsonschema_description:"The website."`
	PlaceID       string   `json:"place_id" jsonschema_description:"Google Maps place ID."`
	Latitude      *float64 `json:"latitude" jsonschema_description:"Latitude in degrees."`
	Longitude     *float64 `json:"longitude" jsonschema_description:"Longitude in degrees."`
	GoogleMapsURL string   `json:"google_maps_url" jsonschema_description:"Link to the place on Google Maps."`
}

type googleMapsOut struct {
	Place googleMapsPlace `json:"place" jsonschema_description:"Place found, one value per place."`
}

// GoogleMapsSearchBlock searches Google Maps for places.
func GoogleMapsSearchBlock() Block {
	return Define[googleMapsIn, googleMapsOut](Info{
		ID:   "f47ac10b-58cc-4372-a567-0e02b2c3d479",
		Name: "GoogleMapsSearchBlock",
		Description: "Search Google Maps for businesses and other places that match a text query (a google_maps API key; the " +
			"operator's GOOGLE_MAPS_API_URL, https://places.googleapis.com by default). Outputs each place's name, address, phone, " +
			"rating, review count, website, place ID, coordinates and Google Maps link.",
		Categories:  []Category{CategoryIntegration},
		Type:        TypeStandard,
		Costs:       requestCosts,
		Limits:      requestLimit(3), // 60 places at most, 20 a page
		PricedBy:    []string{},
		Credentials: googleMapsCredentials,
	}, func(ctx context.Context, rc *RunContext, in googleMapsIn, emit Emit) error {
		c := rc.InputCredential
		if c == nil {
			return errors.New("no google_maps credential")
		}
		if strings.TrimSpace(in.Query) == "" {
			return errors.New("query is empty")
		}
		places, err := googleMapsSearch(ctx, rc, c, in.Query, int(in.MaxResults))
		if err != nil {
			return err
		}
		for _, p := range places {
			if err := emit("place", map[string]any{"name": p.Name, "address": p.Address, "phone": p.Phone, "rating": p.Rating,
				"reviews": p.Reviews, "website": p.Website, "place_id": p.PlaceID, "latitude": p.Latitude,
				"longitude": p.Longitude, "google_maps_url": p.GoogleMapsURL}); err != nil {
				return err
			}
		}
		return nil
	})
}

type googlePlace struct {
	ID          string `json:"id"`
	DisplayName struct {
		Text string `json:"text"`
	} `json:"displayName"`
	FormattedAddress    string   `json:"formattedAddress"`
	NationalPhoneNumber string   `json:"nationalPhoneNumber"`
	WebsiteURI          string   `json:"websiteUri"`
	Rating              float64  `json:"rating"`
	UserRatingCount     int64    `json:"userRatingCount"`
	GoogleMapsURI       string   `json:"googleMapsUri"`
	Location            *latLong `json:"location"`
}

type latLong struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// googleMapsSearch pages through Text Search until max places or no next
// page.
func googleMapsSearch(ctx context.Context, rc *RunContext, c *Credential, query string, max int) ([]googleMapsPlace, error) {
	base := serviceBase(c, DefaultGoogleMapsAPIURL)
	header := func(req *http.Request) {
		req.Header.Set("X-Goog-Api-Key", c.Secret)
		req.Header.Set("X-Goog-FieldMask", googleMapsFields)
	}
	var out []googleMapsPlace
	token := ""
	for len(out) < max {
		body := map[string]any{"textQuery": query, "pageSize": min(20, max-len(out))}
		if token != "" {
			body["pageToken"] = token
		}
		var page struct {
			Places        []googlePlace `json:"places"`
			NextPageToken string        `json:"nextPageToken"`
		}
		if err := serviceJSON(ctx, rc, "Google Maps", http.MethodPost, base+"/v1/places:searchText", body, header, googleMapsError, &page); err != nil {
			return nil, err
		}
		for _, p := range page.Places {
			gp := googleMapsPlace{Name: p.DisplayName.Text, Address: p.FormattedAddress, Phone: p.NationalPhoneNumber, Rating: p.Rating,
				Reviews: p.UserRatingCount, Website: p.WebsiteURI, PlaceID: p.ID, GoogleMapsURL: p.GoogleMapsURI}
			if p.Location != nil {
				gp.Latitude, gp.Longitude = &p.Location.Latitude, &p.Location.Longitude
			}
			out = append(out, gp)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// googleMapsError is AutoGPT's message for a failed search.
func googleMapsError(status int, raw []byte) error {
	var body struct {
		Error struct {
			Message string `json:"message"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &body)
	for _, d := range body.Error.Details {
		if hint, ok := googleMapsHints[d.Reason]; ok {
			return errors.New(hint)
		}
	}
	switch {
	case status == http.StatusTooManyRequests:
		return errors.New("This Maps API key has run out of Places API (New) quota. Try again later, or raise the quota in the Google Cloud console.")
	case status >= 500:
		return fmt.Errorf("Places API (New) had a temporary problem (HTTP %d). Try again.", status)
	}
	msg := body.Error.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	return fmt.Errorf("Places API (New) rejected the search (HTTP %d): %s", status, msg)
}
