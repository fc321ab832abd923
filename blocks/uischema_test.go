package blocks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

type formIn struct {
	APIKey   string  `json:"api_key" jsonschema_description:"The provider's key."`
	Password string  `json:"login_password,omitempty"`
	Prompt   string  `json:"prompt"`
	Format   string  `json:"format,omitempty" jsonschema_description:"A template with {{name}} placeholders."`
	Mode     string  `json:"mode" jsonschema:"enum=fast,enum=slow"`
	Count    int     `json:"count" jsonschema:"minimum=2"`
	Ratio    float64 `json:"ratio" jsonschema:"default=0.5"`
	Loud     bool    `json:"loud,omitempty"`
	URL      string  `json:"url" jsonschema:"format=uri"`
	Items    []any   `json:"items"`
	Named    string  `json:"named,omitempty" jsonschema:"example=Ada"`
	Value    any     `json:"value" jsonschema:"required"`
}

func formBlock() Block {
	return Define[formIn, struct{}](Info{ID: "1f4b8f5e-3c2a-4a61-8d8e-5b0f2a9c7d12", Name: "FormBlock"},
		func(context.Context, *RunContext, formIn, Emit) error { return nil })
}

func TestUISchema(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(formBlock())
	require.NoError(t, err)
	id := formBlock().Info().ID
	var ui map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(reg.UISchema(id), &ui))
	require.JSONEq(t, `["api_key","login_password","prompt","format","mode","count","ratio","loud","url","items","named","value","*"]`,
		string(ui["ui:order"]), "declaration order, then anything else")
	widgets := map[string]string{"api_key": "password", "login_password": "password", "prompt": "textarea",
		"format": "textarea", "mode": "select", "count": "updown", "ratio": "updown", "loud": "checkbox",
		"url": "", "items": "", "named": "", "value": ""}
	for pin, want := range widgets {
		var hints struct {
			Title  string `json:"ui:title"`
			Widget string `json:"ui:widget"`
		}
		require.NoError(t, json.Unmarshal(ui[pin], &hints), pin)
		require.Equal(t, want, hints.Widget, pin)
		require.NotEmpty(t, hints.Title, pin)
	}
	require.JSONEq(t, `{"ui:title":"Api key","ui:widget":"password"}`, string(ui["api_key"]))
	require.Nil(t, reg.UISchema("unknown"))
}

func TestExamples(t *testing.T) {
	t.Parallel()
	reg, err := NewRegistry(formBlock())
	require.NoError(t, err)
	id := formBlock().Info().ID
	// Required pins get a placeholder of their type, pins with a default or
	// an example get it, other optional pins are left out.
	require.JSONEq(t, `[{"api_key":"example","prompt":"example","mode":"fast","count":2,"ratio":0.5,
		"url":"https://example.com","items":[],"named":"Ada","value":"example"}]`, string(reg.Examples(id)))
	require.Nil(t, reg.Examples("unknown"))
}

// Every built-in block's example is an input the block accepts, and every
// block has form hints for each of its input pins.
func TestBuiltinExamplesAreValidInputs(t *testing.T) {
	t.Parallel()
	r := Builtin()
	for _, b := range r.All() {
		info := b.Info()
		var examples []map[string]any
		require.NoError(t, json.Unmarshal(r.Examples(info.ID), &examples), info.Name)
		require.Len(t, examples, 1, info.Name)
		require.NoError(t, r.Validate(info.ID, examples[0]), info.Name)
		for _, pin := range r.RequiredInputs(info.ID) {
			require.Contains(t, examples[0], pin, info.Name)
		}
		var ui map[string]any
		require.NoError(t, json.Unmarshal(r.UISchema(info.ID), &ui), info.Name)
		for _, pin := range r.InputPins(info.ID) {
			require.Contains(t, ui, pin, info.Name)
		}
	}
	var fill map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.UISchema(blockID(t, "FillTextTemplateBlock")), &fill))
	require.JSONEq(t, `{"ui:title":"Format","ui:widget":"textarea"}`, string(fill["format"]), "a template is long text")
}
