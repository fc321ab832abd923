package server

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
)

// TestCompactDataAsEncodingJSON: the POST transport's writer produces the
// bytes json.Marshal produced for the same response (what gqlgen's
// transport sent), for data with whitespace between tokens (stored jsonb
// renders with spaces), HTML characters, U+2028/2029, escapes and quotes
// inside strings.
func TestCompactDataAsEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []string{
		`{}`, `[]`, `null`, `"x"`, `0`,
		`{"a": 1, "b": [1, 2, {"c": "d e"}], "f": null}`,
		"{\n\t\"a\" :\r\n true }",
		`{"html": "<b>a & b</b>", "k<": ">"}`,
		"{\"sep\": \"a\u2028b\u2029c\", \"near\": \"\u2027\u202a\u00e2\u0080\"}",
		`{"esc": "quote \" back \\ slash \\\" \u0041 \n", "after": " x "}`,
		`{"s":"\\"}`, `{"s":"\\\\"}`, `["\"", " ", "\\ "]`,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b, err := json.MarshalIndent(randomValue(rng, 4), "", strings.Repeat(" ", rng.IntN(3)))
		require.NoError(t, err)
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		require.True(t, json.Valid([]byte(c)), c)
		resp := &graphql.Response{Data: json.RawMessage(c)}
		want, err := json.Marshal(resp)
		require.NoError(t, err)
		rec := &recorder{header: map[string][]string{}, body: new(bytes.Buffer)}
		writeResponse(rec, resp)
		require.Equal(t, string(want), rec.body.String(), "data %q", c)
	}
}

// randomValue is a JSON value drawn from rng, strings full of what the
// writer treats specially.
func randomValue(rng *rand.Rand, depth int) any {
	pieces := []string{"a", " ", "<", ">", "&", "\"", "\\", "\n", "\t", "\u2028", "\u2029", "é", "\u2030", "/", "\x01", "💡"}
	str := func() string {
		var sb strings.Builder
		for range rng.IntN(8) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return sb.String()
	}
	switch k := rng.IntN(6); {
	case depth == 0 || k == 0:
		return str()
	case k == 1:
		return rng.Float64() * 1e6
	case k == 2:
		return rng.IntN(2) == 0
	case k == 3:
		return nil
	case k == 4:
		m := map[string]any{}
		for range rng.IntN(4) {
			m[str()] = randomValue(rng, depth-1)
		}
		return m
	default:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randomValue(rng, depth-1)
		}
		return l
	}
}

// TestAppendQuotedAsGqlgen: plainLists writes strings as gqlgen's
// MarshalString does.
func TestAppendQuotedAsGqlgen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `quote " back \ both \"`, "tab\tcr\rnl\n", "\x00\x01\x1f\x7f", "é 💡 \u2028 <&>", "\xff\xfe bad utf-8"} {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		require.Equal(t, want.String(), string(appendQuoted(nil, s)), "%q", s)
	}
}
