package blocks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

type sampleIn struct {
	Count    int            `json:"count" jsonschema_description:"How many, commas, and all."`
	Label    string         `json:"label,omitempty"`
	Mode     string         `json:"mode" jsonschema:"enum=a,enum=b,default=a"`
	Loud     bool           `json:"loud" jsonschema:"default=true"`
	Extra    map[string]any `json:"extra,omitempty"`
	Anything any            `json:"anything" jsonschema:"required"`
}

type sampleOut struct {
	Sum   float64 `json:"sum"`
	Parts []any   `json:"parts"`
}

func sampleBlock(got *sampleIn) Block {
	return Define[sampleIn, sampleOut](Info{ID: "c596b8f3-9e9b-48ef-9433-fee737d44991", Name: "SampleBlock"},
		func(_ context.Context, _ *RunContext, in sampleIn, emit Emit) error {
			*got = in
			return emit("sum", float64(in.Count))
		})
}

func TestDefineSchemas(t *testing.T) {
	t.Parallel()
	var got sampleIn
	b := sampleBlock(&got)
	var in struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       any                        `json:"$defs"`
		Additional any                        `json:"additionalProperties"`
	}
	require.NoError(t, json.Unmarshal(b.Info().InputSchema, &in))
	require.Equal(t, "https://json-schema.org/draft/2020-12/schema", in.Schema)
	require.Equal(t, []string{"count", "anything"}, in.Required, "no omitempty and no default")
	require.Nil(t, in.Defs, "inline, no $defs")
	require.Nil(t, in.Additional, "additional properties allowed")
	prop := func(name string) map[string]any {
		var p map[string]any
		require.NoError(t, json.Unmarshal(in.Properties[name], &p))
		return p
	}
	require.Equal(t, "How many, commas, and all.", prop("count")["description"])
	require.Equal(t, []any{"a", "b"}, prop("mode")["enum"])
	require.Equal(t, true, prop("loud")["default"])
	require.JSONEq(t, "true", string(in.Properties["anything"]), "any value")

	shape, err := parseShape(b.Info().OutputSchema)
	require.NoError(t, err)
	require.Equal(t, []string{"sum", "parts", "error"}, shape.properties)
	require.False(t, shape.open)
	require.Empty(t, shape.required)
}

func TestDefineRunDecodes(t *testing.T) {
	t.Parallel()
	var got sampleIn
	b := sampleBlock(&got)
	var pins []string
	err := b.Run(context.Background(), nil, map[string]any{"count": 3.0, "anything": []any{1}}, func(pin string, _ any) error {
		pins = append(pins, pin)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"sum"}, pins)
	require.Equal(t, 3, got.Count, "3.0 decodes into an int")
	require.Equal(t, "a", got.Mode, "string default applied")
	require.True(t, got.Loud, "bool default applied")
	require.Equal(t, []any{1.0}, got.Anything)

	err = b.Run(context.Background(), nil, map[string]any{"count": 3, "loud": false, "anything": nil}, func(string, any) error { return nil })
	require.NoError(t, err)
	require.False(t, got.Loud, "a given value beats the default")

	err = b.Run(context.Background(), nil, map[string]any{"count": 1, "loud": nil, "mode": nil, "anything": 1}, func(string, any) error { return nil })
	require.NoError(t, err)
	require.True(t, got.Loud, "null means not given")
	require.Equal(t, "a", got.Mode)
}

func TestDefineRunDecodeErrorNamesField(t *testing.T) {
	t.Parallel()
	var got sampleIn
	b := sampleBlock(&got)
	noop := func(string, any) error { return nil }
	err := b.Run(context.Background(), nil, map[string]any{"count": "three"}, noop)
	require.ErrorContains(t, err, `"count"`)
	err = b.Run(context.Background(), nil, map[string]any{"count": 2.5}, noop)
	require.ErrorContains(t, err, `"count"`)
}

func TestDefineOpenOutputs(t *testing.T) {
	t.Parallel()
	b := Define[struct{}, map[string]any](Info{}, nil)
	shape, err := parseShape(b.Info().OutputSchema)
	require.NoError(t, err)
	require.True(t, shape.open)
	require.Equal(t, []string{ErrorPin}, shape.properties)
}
