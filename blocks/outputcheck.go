package blocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// OutputCheck checks what a block yields against its output schema (the
// seed's BlockSchema.validate_output). It is built once per block, when the
// registry is made, because the engine calls it for every value every node
// yields: a check is a map lookup and a look at the value's first byte, and
// only a pin whose schema says more than a type (items, enum, bounds…)
// decodes the value for the full validator. A nil *OutputCheck checks
// nothing.
type OutputCheck struct {
	block string               // the block's name, for messages
	pins  map[string]*pinCheck // declared pins; a nil entry accepts any value
	open  bool                 // undeclared pins are allowed (additionalProperties not false)
}

// pinCheck is one pin's compiled schema.
type pinCheck struct {
	types  jsonTypes          // the top-level types allowed; 0 = any
	schema *jsonschema.Schema // set when the schema constrains more than the type
}

// jsonTypes is a set of JSON Schema types.
type jsonTypes uint8

const (
	typeNull jsonTypes = 1 << iota
	typeBoolean
	typeString
	typeInteger
	typeNumber // also allows integers, as JSON Schema says
	typeArray
	typeObject
)

var typeNames = map[string]jsonTypes{"null": typeNull, "boolean": typeBoolean, "string": typeString,
	"integer": typeInteger, "number": typeNumber, "array": typeArray, "object": typeObject}

// annotations are schema keywords that describe a value without
// constraining it: a pin whose schema has nothing else is checked by type
// alone. `items: true` and `additionalProperties: true` allow anything too.
var annotations = map[string]bool{"type": true, "description": true, "title": true, "default": true,
	"examples": true, "$comment": true, "deprecated": true, "readOnly": true, "writeOnly": true, "format": true}

// newOutputCheck compiles every pin of an output schema (one property per pin).
func newOutputCheck(info *Info, shape schemaShape) (*OutputCheck, error) {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(info.OutputSchema, &s); err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	oc := &OutputCheck{block: info.Name, pins: make(map[string]*pinCheck, len(s.Properties)), open: shape.open}
	for i, pin := range shape.properties {
		pc, err := compilePin(fmt.Sprintf("mem:///blocks/%s/output/%d.json", info.ID, i), s.Properties[pin])
		if err != nil {
			return nil, fmt.Errorf("output schema of pin %q: %w", pin, err)
		}
		oc.pins[pin] = pc
	}
	return oc, nil
}

// compilePin reads one pin's schema; nil means the pin accepts any value.
func compilePin(url string, raw json.RawMessage) (*pinCheck, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("true")) {
		return nil, nil
	}
	var kw map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kw); err != nil {
		return nil, err
	}
	pc := &pinCheck{}
	if t, ok := kw["type"]; ok {
		var one string
		var many []string
		if json.Unmarshal(t, &one) == nil {
			many = []string{one}
		} else if err := json.Unmarshal(t, &many); err != nil {
			return nil, fmt.Errorf("type: %w", err)
		}
		for _, name := range many {
			bit, ok := typeNames[name]
			if !ok {
				return nil, fmt.Errorf("unknown type %q", name)
			}
			pc.types |= bit
		}
	}
	constrained := false
	for k, v := range kw {
		trivial := (k == "items" || k == "additionalProperties") && bytes.Equal(bytes.TrimSpace(v), []byte("true"))
		if !annotations[k] && !trivial {
			constrained = true
		}
	}
	if constrained {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		if pc.schema, err = c.Compile(url); err != nil {
			return nil, err
		}
	}
	if pc.types == 0 && pc.schema == nil {
		return nil, nil
	}
	return pc, nil
}

// Check validates one yielded value, raw being its JSON encoding. The error
// names the block, the pin and what was wrong: a pin the block does not
// declare, or a value of the wrong type. Dynamic pins (`name_$_0`,
// `name_#_key`, `name_@_attr`) carry a part of their base pin's value:
// the base pin must be declared, and the part is not type-checked; so do
// tool-call pins (`tools_^_<node>_~_<pin>`) of a block declaring `tools`.
func (c *OutputCheck) Check(pin string, raw json.RawMessage) error {
	if c == nil {
		return nil
	}
	pc, declared := c.pins[pin]
	if !declared {
		if c.open {
			return nil
		}
		if IsDynamicPin(pin) {
			if _, ok := c.pins[BasePin(pin)]; ok {
				return nil
			}
		}
		if _, _, ok := ParseToolCallPin(pin); ok {
			if _, ok := c.pins[ToolsPin]; ok {
				return nil // a tool call's argument: any value the model gave
			}
		}
		return fmt.Errorf("%s yielded on %q, an output pin it does not declare", c.block, pin)
	}
	if pc == nil {
		return nil
	}
	if pc.types != 0 {
		got := typeOf(raw)
		if got == typeNumber && pc.types&typeNumber == 0 && isInteger(raw) {
			got = typeInteger // only an integer pin needs to tell them apart
		}
		if !accepts(pc.types, got) {
			return fmt.Errorf("%s yielded %s on %q, which expects %s", c.block, got.name(), pin, pc.types.name())
		}
	}
	if pc.schema == nil {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s yielded a value on %q that is not JSON: %w", c.block, pin, err)
	}
	var ve *jsonschema.ValidationError
	if err := pc.schema.Validate(v); errors.As(err, &ve) {
		return fmt.Errorf("%s yielded an invalid value on %q: %s", c.block, pin, describe(ve))
	} else if err != nil {
		return err
	}
	return nil
}

// accepts applies JSON Schema's rule that "number" includes the integers.
func accepts(allowed, got jsonTypes) bool {
	if allowed&got != 0 {
		return true
	}
	return got == typeInteger && allowed&typeNumber != 0
}

// typeOf reads the JSON type of an encoded value from its first byte; any
// number is typeNumber.
func typeOf(raw json.RawMessage) jsonTypes {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return typeNull
	}
	switch raw[0] {
	case 'n':
		return typeNull
	case 't', 'f':
		return typeBoolean
	case '"':
		return typeString
	case '[':
		return typeArray
	case '{':
		return typeObject
	}
	return typeNumber
}

// isInteger reports whether an encoded number is a whole number, as JSON
// Schema counts them (3, 3.0 and 1e3 are).
func isInteger(raw json.RawMessage) bool {
	num := bytes.TrimSpace(raw)
	if bytes.IndexAny(num, ".eE") < 0 {
		return true
	}
	f, err := strconv.ParseFloat(string(num), 64)
	return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
}

// name spells a set of types for a message: "a string", "a number or null".
func (t jsonTypes) name() string {
	names := []string{"null", "a boolean", "a string", "an integer", "a number", "an array", "an object"}
	out := ""
	for i, n := range names {
		if t&(1<<i) == 0 {
			continue
		}
		if out != "" {
			out += " or "
		}
		out += n
	}
	return out
}
