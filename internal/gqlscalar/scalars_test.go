package gqlscalar

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// refused checks that err is an InputError (BAD_USER_INPUT) without a field
// (the presenter adds the argument's) whose message contains want.
func refused(t *testing.T, err error, want string) {
	t.Helper()
	var ie *model.InputError
	require.True(t, errors.As(err, &ie), "want an InputError, got %v", err)
	require.Empty(t, ie.Field)
	require.Contains(t, ie.Message, want)
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, ok := range []any{"", "héllo ✓ 😀", strings.Repeat("x", MaxTextBytes), json.Number("12"), int64(12)} {
		_, err := UnmarshalString(ok)
		require.NoError(t, err, "%v", ok)
		_, err = UnmarshalID(ok)
		require.NoError(t, err, "%v", ok)
	}
	for in, want := range map[string]string{
		"a\x00b":                            "NUL",
		"\xff\xfe":                          "UTF-8",
		strings.Repeat("x", MaxTextBytes+1): "65536 bytes",
	} {
		_, err := UnmarshalString(in)
		refused(t, err, want)
		_, err = UnmarshalID(in)
		refused(t, err, want)
	}
	_, err := UnmarshalString(map[string]any{})
	refused(t, err, "must be a string")
}

func TestInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[any]int{json.Number("2147483647"): 1<<31 - 1, int64(-1 << 31): -1 << 31, "7": 7} {
		got, err := UnmarshalInt(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, in := range []any{json.Number("2147483648"), int64(-1<<31 - 1), json.Number("9223372036854775808"), json.Number("1e400"), "abc", 1.5} {
		_, err := UnmarshalInt(in)
		refused(t, err, "32-bit")
	}
}

func TestFloat(t *testing.T) {
	t.Parallel()
	f, err := UnmarshalFloatContext(context.Background(), json.Number("1.5e300"))
	require.NoError(t, err)
	require.Equal(t, 1.5e300, f)
	for _, in := range []any{"NaN", "Infinity", "-Inf", json.Number("1e400"), map[string]any{}} {
		_, err := UnmarshalFloatContext(context.Background(), in)
		refused(t, err, "finite number")
	}
}

func TestTime(t *testing.T) {
	t.Parallel()
	got, err := UnmarshalTime("2024-05-01T12:00:00.5+02:00")
	require.NoError(t, err)
	require.Equal(t, "2024-05-01T10:00:00.5Z", got.UTC().Format("2006-01-02T15:04:05.999Z07:00"))
	lower, err := UnmarshalTime("2024-05-01t10:00:00.5z") // RFC 3339 5.6 allows it
	require.NoError(t, err)
	require.True(t, lower.Equal(got))
	// gqlgen's own reader takes "" as year 1 and a time without an offset as UTC.
	for _, in := range []any{"", "2024-05-01T12:00:00", "2024-05-01", "2024-02-30T00:00:00Z", "10000-01-01T00:00:00Z",
		"nope", "2024-05-01x12:00:00Z", json.Number("1714564800"), nil} {
		_, err := UnmarshalTime(in)
		refused(t, err, "RFC 3339")
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	decode := func(s string) any {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		require.NoError(t, dec.Decode(&v))
		return v
	}
	for _, ok := range []string{`{"a":[1,"x",null,true,{"b":9223372036854775808}]}`, `"\ud800"`, `1e308`, `null`,
		strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)} {
		var j JSON
		require.NoError(t, j.UnmarshalGQL(decode(ok)), ok)
	}
	var big JSON
	require.NoError(t, big.UnmarshalGQL(decode(`{"n":12345678901234567890123}`)))
	require.JSONEq(t, `{"n":12345678901234567890123}`, string(big), "big integers pass through exactly")

	for in, want := range map[string]string{
		`"a\u0000"`:                 "a string contains a NUL character",
		`{"a":{"b c":["x\u0000"]}}`: `at a["b c"][0]: a string contains a NUL`,
		`{"k\u0000":1}`:             "a key contains a NUL character",
		`{"a":1e400}`:               "at a: a number is outside the range of a 64-bit float",
		`-1e400`:                    "outside the range",
		strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1): "nests more than 64 levels deep",
	} {
		var j JSON
		refused(t, j.UnmarshalGQL(decode(in)), want)
	}
	// Literals in an operation arrive as Go numbers and invalid UTF-8 as is.
	var j JSON
	refused(t, j.UnmarshalGQL(map[string]any{"a": "\xff"}), "UTF-8")
}
