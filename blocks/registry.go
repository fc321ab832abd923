package blocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Registry is an immutable set of blocks with their compiled input schemas.
// It is safe for concurrent use; the engine, the graph validator and the API
// share one.
type Registry struct {
	byID   map[string]*entry
	byName map[string]*entry
	all    []Block // sorted by name
}

type entry struct {
	block  Block
	schema *jsonschema.Schema // compiled input schema
	in     schemaShape
	out    schemaShape
	check  *OutputCheck // the output schema, compiled for the engine
	ui     uiInfo       // the editor's form hints and an example input
	io     *graphIO     // a graph input's or output's value schema (GraphField); nil for other blocks
}

// builtin is built on first use rather than in init(), so importing the
// package costs nothing and a broken block surfaces in the caller's test.
var builtin = sync.OnceValue(func() *Registry {
	r, err := NewRegistry(BuiltinBlocks()...)
	if err != nil {
		panic(fmt.Sprintf("blocks: built-in library is invalid: %v", err))
	}
	return r
})

// Builtin returns the registry of the built-in block library.
func Builtin() *Registry { return builtin() }

// NewRegistry checks the blocks (valid, unique ids and names; schemas that
// compile) and indexes them. Every problem is reported, not just the first.
func NewRegistry(blocks ...Block) (*Registry, error) {
	r := &Registry{byID: map[string]*entry{}, byName: map[string]*entry{}}
	var errs []error
	for _, b := range blocks {
		e, err := newEntry(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		info := b.Info()
		if _, dup := r.byID[info.ID]; dup {
			errs = append(errs, fmt.Errorf("block %s: duplicate id %s", info.Name, info.ID))
			continue
		}
		if _, dup := r.byName[info.Name]; dup {
			errs = append(errs, fmt.Errorf("block %s: duplicate name", info.Name))
			continue
		}
		r.byID[info.ID], r.byName[info.Name] = e, e
		r.all = append(r.all, b)
	}
	sort.Slice(r.all, func(i, j int) bool { return r.all[i].Info().Name < r.all[j].Info().Name })
	return r, errors.Join(errs...)
}

func newEntry(b Block) (*entry, error) {
	info := b.Info()
	if info.Name == "" {
		return nil, fmt.Errorf("block %s: empty name", info.ID)
	}
	if id, err := uuid.Parse(info.ID); err != nil || id.String() != info.ID {
		return nil, fmt.Errorf("block %s: id %q is not a canonical UUID", info.Name, info.ID)
	}
	in, err := parseShape(info.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("block %s: input %w", info.Name, err)
	}
	out, err := parseShape(info.OutputSchema)
	if err != nil {
		return nil, fmt.Errorf("block %s: output %w", info.Name, err)
	}
	if err := checkAliases(info, in); err != nil {
		return nil, fmt.Errorf("block %s: %w", info.Name, err)
	}
	if !slices.Contains(out.properties, ErrorPin) {
		return nil, fmt.Errorf("block %s: output schema lacks the %q pin", info.Name, ErrorPin)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(info.InputSchema))
	if err != nil {
		return nil, fmt.Errorf("block %s: input schema: %w", info.Name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "mem:///blocks/" + info.ID + "/input.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("block %s: input schema: %w", info.Name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("block %s: input schema: %w", info.Name, err)
	}
	check, err := newOutputCheck(info, out)
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", info.Name, err)
	}
	ui, err := newUIInfo(info.InputSchema, in)
	if err != nil {
		return nil, fmt.Errorf("block %s: input schema: %w", info.Name, err)
	}
	io, err := newGraphIO(info, in)
	if err != nil {
		return nil, fmt.Errorf("block %s: input schema: %w", info.Name, err)
	}
	return &entry{block: b, schema: sch, in: in, out: out, check: check, ui: ui, io: io}, nil
}

// OutputCheck returns the compiled check of a block's outputs; nil (which
// checks nothing) for an unknown block.
func (r *Registry) OutputCheck(id string) *OutputCheck {
	if e, ok := r.byID[id]; ok {
		return e.check
	}
	return nil
}

// ByID finds a block by its stable id.
func (r *Registry) ByID(id string) (Block, bool) {
	e, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	return e.block, true
}

// ByName finds a block by its class name, e.g. "StoreValueBlock".
func (r *Registry) ByName(name string) (Block, bool) {
	e, ok := r.byName[name]
	if !ok {
		return nil, false
	}
	return e.block, true
}

// All returns every block, sorted by name. The slice is the caller's.
func (r *Registry) All() []Block { return slices.Clone(r.all) }

// InputPins lists a block's declared input pins in declaration order; nil
// for an unknown block.
func (r *Registry) InputPins(id string) []string {
	if e, ok := r.byID[id]; ok {
		return slices.Clone(e.in.properties)
	}
	return nil
}

// OutputPins lists a block's declared output pins, "error" included; nil for
// an unknown block.
func (r *Registry) OutputPins(id string) []string {
	if e, ok := r.byID[id]; ok {
		return slices.Clone(e.out.properties)
	}
	return nil
}

// RequiredInputs lists the inputs that have no default and must be given,
// by a link or a node default.
func (r *Registry) RequiredInputs(id string) []string {
	if e, ok := r.byID[id]; ok {
		return slices.Clone(e.in.required)
	}
	return nil
}

// InputDefaults returns the block's own defaults (from its schema) by pin.
func (r *Registry) InputDefaults(id string) map[string]any {
	if e, ok := r.byID[id]; ok {
		return maps.Clone(e.in.defaults)
	}
	return nil
}

// HasInputPin reports whether a link may target pin: the pin's base name
// (dynamic suffixes stripped) must be a declared input, unless the block
// takes any pin (Info.AnyPins).
func (r *Registry) HasInputPin(id, pin string) bool {
	e, ok := r.byID[id]
	return ok && (e.block.Info().AnyPins || slices.Contains(e.in.properties, BasePin(pin)))
}

// HasOutputPin reports whether a link may start at pin: a declared output,
// or any name when the block's outputs are open (AgentExecutorBlock,
// UnavailableBlock).
func (r *Registry) HasOutputPin(id, pin string) bool {
	e, ok := r.byID[id]
	if ok && IsToolPin(pin) && slices.Contains(e.out.properties, ToolsPin) {
		return true // `tools`, or an older graph's `tools_^_<tool>_~_<pin>`
	}
	// A dynamic pin (`result_#_status`) names a part of its base output's
	// value, as AutoGPT's links do: the engine hands the link that part.
	return ok && (e.out.open || slices.Contains(e.out.properties, pin) ||
		IsDynamicPin(pin) && slices.Contains(e.out.properties, BasePin(pin)))
}

// Validate checks an input (dynamic pins already merged) against the block's
// input schema. The error names each offending field.
func (r *Registry) Validate(blockID string, input map[string]any) error {
	e, ok := r.byID[blockID]
	if !ok {
		return fmt.Errorf("unknown block %s", blockID)
	}
	if input == nil {
		input = map[string]any{}
	}
	// Plain JSON values (what decoding gives, plus Go integers) are validated
	// as they are; anything else — typed slices, structs, NaN, invalid UTF-8 —
	// round-trips through JSON first, so it validates exactly like the JSON
	// it will be stored as.
	var doc any = input
	if !schemaValue(input) {
		raw, err := json.Marshal(input)
		if err != nil {
			return fmt.Errorf("%s: input is not JSON-encodable: %w", e.block.Info().Name, err)
		}
		if doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err != nil {
			return fmt.Errorf("%s: input: %w", e.block.Info().Name, err)
		}
	}
	err := e.schema.Validate(doc)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("%s: invalid input: %s", e.block.Info().Name, describe(ve))
	}
	return err
}

var printer = message.NewPrinter(language.English)

// describe flattens a validation error tree into "field: problem" phrases.
func describe(ve *jsonschema.ValidationError) string {
	var parts []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		field := strings.Join(e.InstanceLocation, ".")
		if req, ok := e.ErrorKind.(*kind.Required); ok {
			for _, m := range req.Missing {
				parts = append(parts, fmt.Sprintf("%q: required input is missing", joinField(field, m)))
			}
			return
		}
		if field == "" {
			field = "(input)"
		}
		parts = append(parts, fmt.Sprintf("%q: %s", field, e.ErrorKind.LocalizedString(printer)))
	}
	walk(ve)
	// The validator walks object properties in map order; sorting keeps the
	// message the same from one run (and one input representation) to the next.
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}
