package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

type jsonParseIn struct {
	JSONString string `json:"json_string" jsonschema_description:"The JSON text to parse."`
}

type jsonParseOut struct {
	Parsed any `json:"parsed" jsonschema_description:"The parsed value."`
}

// JSONParseBlock parses JSON text; invalid JSON fails the node with the
// parser's reason.
func JSONParseBlock() Block {
	return Define[jsonParseIn, jsonParseOut](Info{
		ID:          "0008eb0d-8680-4bf3-ab1f-138b2151687c",
		Name:        "JSONParseBlock",
		Description: "Parses a JSON string into a value.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in jsonParseIn, emit Emit) error {
		v, err := parseJSON(in.JSONString)
		if err != nil {
			return err
		}
		return emit("parsed", v)
	})
}

// parseJSON decodes exactly one JSON value.
func parseJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON: unexpected data after the value")
	}
	return v, nil
}

type jsonFormatIn struct {
	Value  any `json:"value" jsonschema:"required" jsonschema_description:"The value to encode."`
	Indent int `json:"indent" jsonschema:"default=2,minimum=0,maximum=16" jsonschema_description:"Spaces per indentation level; 0 gives compact JSON."`
}

type jsonFormatOut struct {
	Output string `json:"output" jsonschema_description:"The JSON text."`
}

// JSONFormatBlock encodes a value as JSON text, keys sorted, HTML
// characters left as they are.
func JSONFormatBlock() Block {
	return Define[jsonFormatIn, jsonFormatOut](Info{
		ID:          "4317b93a-69f7-4044-96e0-fcfbfc6a81e0",
		Name:        "JSONFormatBlock",
		Description: "Encodes a value as JSON text, compact or indented.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in jsonFormatIn, emit Emit) error {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if in.Indent > 0 {
			enc.SetIndent("", strings.Repeat(" ", in.Indent))
		}
		if err := enc.Encode(in.Value); err != nil {
			return fmt.Errorf("cannot encode value: %w", err)
		}
		return emit("output", strings.TrimSuffix(buf.String(), "\n"))
	})
}

type getJSONByPathIn struct {
	Data any    `json:"data" jsonschema:"required" jsonschema_description:"The value to read from; a string is parsed as JSON first."`
	Path string `json:"path" jsonschema:"default=" jsonschema_description:"Dot-separated path, e.g. a.b.0.c; list segments are indexes (negative from the end). Empty = the whole value."`
}

type getJSONByPathOut struct {
	Value   any `json:"value" jsonschema_description:"The value at the path."`
	Missing any `json:"missing" jsonschema_description:"The data, when nothing is at the path."`
}

// GetJSONByPathBlock reads a value at a dotted path. A missing path is not
// a failure: the data goes out on `missing` (as FindInDictionaryBlock does),
// so a graph can branch on it.
func GetJSONByPathBlock() Block {
	return Define[getJSONByPathIn, getJSONByPathOut](Info{
		ID:          "99839b4e-38b2-4f31-ade7-dd11422047b1",
		Name:        "GetJSONByPathBlock",
		Description: "Reads the value at a dotted path (a.b.0.c) in JSON data.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in getJSONByPathIn, emit Emit) error {
		data := in.Data
		if s, ok := data.(string); ok {
			parsed, err := parseJSON(s)
			if err != nil {
				return err
			}
			data = parsed
		}
		if v, ok := lookupPath(data, in.Path); ok {
			return emit("value", v)
		}
		return emit("missing", in.Data)
	})
}
