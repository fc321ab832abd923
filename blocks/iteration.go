package blocks

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

type stepThroughItemsIn struct {
	Items       any            `json:"items,omitempty" jsonschema:"oneof_type=array;object" jsonschema_description:"The list or dictionary to iterate over."`
	ItemsObject map[string]any `json:"items_object,omitempty" jsonschema_description:"A dictionary to iterate over."`
	ItemsStr    string         `json:"items_str,omitempty" jsonschema_description:"A list or dictionary as JSON text."`
}

type stepThroughItemsOut struct {
	Item any `json:"item" jsonschema_description:"The current element."`
	Key  any `json:"key" jsonschema_description:"Its index (list) or key (dictionary)."`
}

// StepThroughItemsBlock yields every element of a list or dictionary as an
// (item, key) pair, pair by pair, so each element triggers its own
// downstream run. Sources are visited in AutoGPT's order (items,
// items_object, items_str), empty ones skipped. Dictionaries go in key
// order: decoded JSON keeps no insertion order, and sorted is at least
// deterministic. Unlike AutoGPT, whose dict key pin repeats the value, key
// is the dictionary key.
func StepThroughItemsBlock() Block {
	return Define[stepThroughItemsIn, stepThroughItemsOut](Info{
		ID:          "f66a3543-28d3-4ab5-8945-9b336371e2ce",
		Name:        "StepThroughItemsBlock",
		Description: "Iterates over a list or dictionary and yields each item with its key.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in stepThroughItemsIn, emit Emit) error {
		sources := []any{in.Items, in.ItemsObject}
		if strings.TrimSpace(in.ItemsStr) != "" {
			parsed, err := parseJSON(in.ItemsStr)
			if err != nil {
				return fmt.Errorf("items_str: %w", err)
			}
			sources = append(sources, parsed)
		}
		for _, src := range sources {
			if err := stepThrough(src, emit); err != nil {
				return err
			}
		}
		return nil
	})
}

func stepThrough(src any, emit Emit) error {
	pair := func(item, key any) error {
		if err := emit("item", item); err != nil {
			return err
		}
		return emit("key", key)
	}
	switch c := src.(type) {
	case nil:
		return nil
	case []any:
		for i, item := range c {
			if err := pair(item, i); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := pair(c[k], k); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cannot iterate over a %s", typeName(src))
	}
	return nil
}
