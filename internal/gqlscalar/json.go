// Package gqlscalar holds agentgraph's GraphQL scalars: the JSON scalar, and
// the built-in scalars' readers, which refuse what gqlgen's own would let
// through to PostgreSQL (NUL characters, integers past 32 bits, malformed
// times). A refusal is a model.InputError without a field; the error
// presenter names the argument it came from.
package gqlscalar

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/agentgraph/agentgraph/internal/model"
)

// MaxJSONDepth is how deeply a JSON argument may nest. PostgreSQL parses
// jsonb recursively and fails past a few thousand levels; no document a
// client means to send comes near this.
const MaxJSONDepth = 64

// JSON is any JSON value, kept as raw bytes so stored documents pass through
// the API unchanged (no float64 round trip that would alter big integers).
type JSON json.RawMessage

// MarshalGQL writes the raw value; an empty value is JSON null.
func (j JSON) MarshalGQL(w io.Writer) {
	if len(j) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(j)
}

// UnmarshalGQL accepts whatever the GraphQL layer decoded for a JSON literal
// or variable, checks that it can be stored as jsonb and read back as JSON
// by any client, and re-encodes it.
func (j *JSON) UnmarshalGQL(v any) error {
	if err := checkJSON(v, "", 1); err != nil {
		return err
	}
	if n, ok := v.(json.Number); ok {
		*j = JSON(n.String())
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return &model.InputError{Message: "is not a JSON value"}
	}
	*j = JSON(b)
	return nil
}

// Raw returns the value as json.RawMessage.
func (j JSON) Raw() json.RawMessage { return json.RawMessage(j) }

// checkJSON refuses what jsonb cannot hold (NUL in a string or a key, text
// that is not UTF-8, nesting past MaxJSONDepth) and numbers outside the
// range of a 64-bit float, which JavaScript clients and the blocks' JSON
// Schema checks cannot represent. at is where v sits in the value, for the
// message; depth is how deep, 1 for the whole value. (Lone UTF-16
// surrogates never get here: JSON decoding turns an unpaired \ud800 into
// U+FFFD, as RFC 8259 allows.)
func checkJSON(v any, at string, depth int) error {
	if depth > MaxJSONDepth {
		return invalidJSON(at, fmt.Sprintf("nests more than %d levels deep", MaxJSONDepth))
	}
	switch v := v.(type) {
	case string:
		if err := checkChars(v); err != nil {
			return invalidJSON(at, "a string "+err.(*model.InputError).Message)
		}
	case json.Number:
		if f, err := strconv.ParseFloat(string(v), 64); err != nil || math.IsInf(f, 0) {
			return invalidJSON(at, "a number is outside the range of a 64-bit float")
		}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalidJSON(at, "a number is not finite")
		}
	case []any:
		for i, e := range v {
			if err := checkJSON(e, fmt.Sprintf("%s[%d]", at, i), depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		// Sorted, so the same value always gets the same message.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := checkChars(k); err != nil {
				return invalidJSON(at, "a key "+err.(*model.InputError).Message)
			}
			if err := checkJSON(v[k], at+jsonKeyPath(k), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonKeyPath appends key to a location: .name, or ["odd key"] when the
// key is not a plain name.
func jsonKeyPath(k string) string {
	plain := k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
	if plain {
		return "." + k
	}
	b, _ := json.Marshal(k)
	return "[" + string(b) + "]"
}

func invalidJSON(at, what string) error {
	if at == "" {
		return &model.InputError{Message: what}
	}
	return &model.InputError{Message: "at " + strings.TrimPrefix(at, ".") + ": " + what}
}
