package graphcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/agentgraph/agentgraph/blocks"
)

// MaxDefaultDepth bounds nesting in a node's defaults: deeper documents are
// refused before they reach the schema validator or the database.
const MaxDefaultDepth = 32

type defaultProblem struct{ pin, text string }

// partialSchemas caches, per block id, the input schema compiled without its
// "required" list: a default may give only some of the inputs.
var partialSchemas sync.Map // block id → *jsonschema.Schema

var printer = message.NewPrinter(language.English)

// checkDefaults validates the fields a node's defaults do give.
func checkDefaults(b blocks.Block, defaults map[string]any) []defaultProblem {
	if len(defaults) == 0 {
		return nil
	}
	if d := depth(defaults); d > MaxDefaultDepth {
		return []defaultProblem{{text: fmt.Sprintf("is nested %d levels deep (at most %d)", d, MaxDefaultDepth)}}
	}
	sch, err := partialSchema(b)
	if err != nil {
		return []defaultProblem{{text: "cannot be checked: " + err.Error()}}
	}
	static := map[string]any{}
	for k, val := range defaults {
		if !blocks.IsDynamicPin(k) {
			static[k] = val
		}
	}
	raw, err := json.Marshal(static)
	if err != nil {
		return []defaultProblem{{text: "is not JSON"}}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []defaultProblem{{text: "is not JSON"}}
	}
	err = sch.Validate(doc)
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil
	}
	var out []defaultProblem
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		pin := ""
		if len(e.InstanceLocation) > 0 {
			pin = e.InstanceLocation[0]
		}
		out = append(out, defaultProblem{pin: pin,
			text: fmt.Sprintf("%q: %s", strings.Join(e.InstanceLocation, "."), e.ErrorKind.LocalizedString(printer))})
	}
	walk(ve)
	return out
}

func partialSchema(b blocks.Block) (*jsonschema.Schema, error) {
	id := b.Info().ID
	if s, ok := partialSchemas.Load(id); ok {
		return s.(*jsonschema.Schema), nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Info().InputSchema))
	if err != nil {
		return nil, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("input schema of %s is not an object", b.Info().Name)
	}
	delete(m, "required")
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "mem://partial/" + id
	if err := c.AddResource(url, m); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	partialSchemas.Store(id, s)
	return s, nil
}

// depth is the nesting depth of a decoded JSON value.
func depth(v any) int {
	switch t := v.(type) {
	case map[string]any:
		d := 0
		for _, x := range t {
			d = max(d, depth(x))
		}
		return d + 1
	case []any:
		d := 0
		for _, x := range t {
			d = max(d, depth(x))
		}
		return d + 1
	}
	return 0
}
