package blocks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
)

// Define builds a Block from a typed run function. The JSON Schemas are
// reflected from In and Out once, here, so a block's schema can never drift
// from the Go type its run function decodes:
//
//   - In: one property per json-tagged field. A field is required unless it
//     is tagged omitempty or has a `jsonschema:"default=…"`; additional
//     properties are allowed so dynamic and extra pins do not break
//     validation. Descriptions go in `jsonschema_description` (commas allowed).
//   - Out: one property per field, each an output pin; Define adds the
//     `error` pin. Out = map[string]any declares open outputs (pins named at
//     run time, like AgentExecutorBlock's).
//
// Run fills absent inputs with their schema defaults, then decodes the input
// map into In through JSON, so 3 and 3.0 both decode into an int field.
// Define panics on a type it cannot reflect: that is a programming error in
// the built-in library, caught by its tests.
func Define[In, Out any](info Info, run func(ctx context.Context, rc *RunContext, in In, emit Emit) error) Block {
	in, defaults := inputSchema(reflect.TypeFor[In]())
	info.InputSchema = in
	info.OutputSchema = outputSchema(reflect.TypeFor[Out]())
	// Defaults as decoded JSON (what they become on the JSON path anyway), so
	// inputs using them can still take the direct decoding path.
	if raw, err := json.Marshal(defaults); err == nil {
		var norm map[string]any
		if json.Unmarshal(raw, &norm) == nil && norm != nil {
			defaults = norm
		}
	}
	return &definedBlock[In]{info: info, defaults: defaults, plan: newDecodePlan(reflect.TypeFor[In]()), run: run}
}

type definedBlock[In any] struct {
	info     Info
	defaults map[string]any
	plan     *decodePlan // nil: always decode through JSON
	run      func(ctx context.Context, rc *RunContext, in In, emit Emit) error
}

func (b *definedBlock[In]) Info() *Info { return &b.info }

func (b *definedBlock[In]) Run(ctx context.Context, rc *RunContext, input map[string]any, emit Emit) error {
	in, err := decodeInput[In](input, b.defaults, b.plan)
	if err != nil {
		return err
	}
	if rc == nil {
		rc = &RunContext{}
	}
	return b.run(ctx, rc, in, emit)
}

// decodeInput applies defaults to the absent keys and decodes into In:
// directly when the plan applies to these values (see decodePlan), else
// through JSON, so 3 and 3.0 both decode into an int field.
func decodeInput[In any](input map[string]any, defaults map[string]any, plan *decodePlan) (In, error) {
	var in In
	merged := maps.Clone(defaults)
	if merged == nil {
		merged = map[string]any{}
	}
	for k, v := range input {
		if _, hasDefault := defaults[k]; hasDefault && v == nil {
			continue // an explicit null means "not given": keep the default
		}
		merged[k] = v
	}
	if plan != nil {
		if plan.decode(merged, reflect.ValueOf(&in).Elem()) {
			return in, nil
		}
		var zero In
		in = zero
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return in, fmt.Errorf("input is not JSON-encodable: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return in, fmt.Errorf("input %q: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return in, fmt.Errorf("decoding input: %w", err)
	}
	return in, nil
}

// reflector generates inline schemas: no $ref/$defs, no $id, so each block's
// schema is self-contained and can be stored and served as is.
func reflector(additional bool) *jsonschema.Reflector {
	return &jsonschema.Reflector{
		DoNotReference:            true,
		ExpandedStruct:            true,
		Anonymous:                 true,
		AllowAdditionalProperties: additional,
	}
}

// inputSchema reflects In and returns the schema and the defaults declared in
// it. Fields with a default are dropped from `required`.
func inputSchema(t reflect.Type) (json.RawMessage, map[string]any) {
	s := reflector(true).ReflectFromType(t)
	s.Version = "https://json-schema.org/draft/2020-12/schema"
	defaults := map[string]any{}
	var required []string
	if s.Properties != nil {
		anyDefaults(t, s)
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			if pair.Value.Default != nil {
				defaults[pair.Key] = pair.Value.Default
			}
		}
	}
	for _, name := range s.Required {
		if _, ok := defaults[name]; !ok {
			required = append(required, name)
		}
	}
	s.Required = required
	return mustMarshal(s), defaults
}

// anyDefaults reads `default=` for fields of type any (AutoGPT's Any pins
// with a default), which the reflector reads only for typed fields: the
// default is the tag's text as JSON when it parses (default=0 is the number
// 0), else as a string (default=timer finished).
func anyDefaults(t reflect.Type, s *jsonschema.Schema) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Interface {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		prop, ok := s.Properties.Get(name)
		if !ok || prop.Default != nil {
			continue
		}
		for _, kw := range strings.Split(f.Tag.Get("jsonschema"), ",") {
			text, ok := strings.CutPrefix(kw, "default=")
			if !ok {
				continue
			}
			var v any
			if json.Unmarshal([]byte(text), &v) != nil {
				v = text
			}
			prop.Default = v
		}
	}
}

// outputSchema reflects Out into an output-pin schema with the error pin.
func outputSchema(t reflect.Type) json.RawMessage {
	var s *jsonschema.Schema
	if t.Kind() == reflect.Map {
		s = &jsonschema.Schema{Type: "object", AdditionalProperties: jsonschema.TrueSchema}
	} else {
		s = reflector(false).ReflectFromType(t)
		s.Required = nil
	}
	s.Version = "https://json-schema.org/draft/2020-12/schema"
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	s.Properties.Set(ErrorPin, &jsonschema.Schema{
		Type:        "string",
		Description: "The error message when the block fails.",
	})
	return mustMarshal(s)
}

func mustMarshal(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("blocks: marshal schema: %v", err))
	}
	return raw
}
