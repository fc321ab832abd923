package blocks

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// AutoGPT's date and time blocks take `format_type`, an object; ours take a
// `format` string. The alias reads theirs as ours and writes ours back.
func TestFormatTypeAlias(t *testing.T) {
	t.Parallel()
	r := Builtin()
	date, _ := r.ByName("GetCurrentDateBlock")
	id := date.Info().ID

	pin, alias, ok := r.InputAlias(id, "format_type")
	require.True(t, ok)
	require.Equal(t, "format", pin)
	for _, tc := range []struct {
		in   any
		want any
		ok   bool
	}{
		{map[string]any{"discriminator": "strftime", "format": "%d/%m/%Y", "timezone": "UTC"}, "%d/%m/%Y", true},
		{map[string]any{"discriminator": "strftime"}, "%Y-%m-%d", true}, // AutoGPT's default format
		{map[string]any{"discriminator": "iso8601", "timezone": "UTC"}, "%Y-%m-%d", true},
		{map[string]any{"discriminator": "unix"}, nil, false},
		{map[string]any{"discriminator": "strftime", "format": 3}, nil, false},
		{"%Y", nil, false},
	} {
		got, ok := alias.ToOurs(tc.in)
		require.Equal(t, tc.ok, ok, "%v", tc.in)
		require.Equal(t, tc.want, got, "%v", tc.in)
	}
	name, back, ok := r.TheirInputName(id, "format")
	require.True(t, ok)
	require.Equal(t, "format_type", name)
	require.Equal(t, map[string]any{"discriminator": "strftime", "format": "%d/%m"}, back.ToTheirs("%d/%m"))

	// ISO 8601 of the date-and-time block renders as ISO 8601 here and goes
	// back as AutoGPT's iso8601 discriminator.
	dt, _ := r.ByName("GetCurrentDateAndTimeBlock")
	_, dtAlias, ok := r.InputAlias(dt.Info().ID, "format_type")
	require.True(t, ok)
	layout, ok := dtAlias.ToOurs(map[string]any{"discriminator": "iso8601"})
	require.True(t, ok)
	var got string
	require.NoError(t, dt.Run(context.Background(), &RunContext{}, map[string]any{"format": layout}, func(_ string, v any) error {
		got = v.(string)
		return nil
	}))
	require.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$`), got)
	require.Equal(t, map[string]any{"discriminator": "iso8601"}, dtAlias.ToTheirs(layout))

	// Dynamic suffixes are kept; a pin of the block is no alias.
	_, _, ok = r.InputAlias(id, "offset")
	require.False(t, ok)
	_, _, ok = r.TheirInputName(id, "offset")
	require.False(t, ok)
	_, _, ok = r.InputAlias("no-such-block", "format_type")
	require.False(t, ok)
}

// An alias table that could not work is refused when the registry is built.
func TestBadAliasesAreRefused(t *testing.T) {
	t.Parallel()
	type in struct {
		A string `json:"a"`
	}
	mk := func(aliases map[string]PinAlias) Block {
		return Define[in, struct{}](Info{ID: "5b0c4e0e-8d7e-4b7e-9a36-0c1f6c7d2a11", Name: "AliasTestBlock", Description: "t",
			Categories: []Category{CategoryUtility}, Type: TypeStandard, PinAliases: aliases},
			func(context.Context, *RunContext, in, Emit) error { return nil })
	}
	_, err := NewRegistry(mk(map[string]PinAlias{"b": {Pin: "a"}}))
	require.NoError(t, err)
	_, err = NewRegistry(mk(map[string]PinAlias{"a": {Pin: "a"}}))
	require.ErrorContains(t, err, `pin alias "a" is one of the block's own pins`)
	_, err = NewRegistry(mk(map[string]PinAlias{"b": {Pin: "c"}}))
	require.ErrorContains(t, err, `stands for "c", which is no input pin`)
}
