package blocks

import (
	"fmt"
	"slices"
)

// PinAlias says how AutoGPT's name of an input pin maps to ours: the pin it
// stands for, and how a value written for AutoGPT becomes one for our pin
// and back (nil: the value is the same on both sides).
type PinAlias struct {
	Pin string
	// ToOurs converts a default written for AutoGPT's pin; false when the
	// value cannot be read (the caller keeps it and reports it).
	ToOurs func(v any) (any, bool)
	// ToTheirs converts our pin's value back for an AutoGPT export.
	ToTheirs func(v any) any
}

// InputAlias resolves name, an input pin (dynamic suffixes allowed) as
// AutoGPT names it, to ours: the pin name to use and the alias applied; ok
// is false when name is no alias of the block (it may still be a pin).
func (r *Registry) InputAlias(id, name string) (pin string, alias PinAlias, ok bool) {
	e, found := r.byID[id]
	if !found {
		return "", PinAlias{}, false
	}
	base := BasePin(name)
	alias, ok = e.block.Info().PinAliases[base]
	if !ok {
		return "", PinAlias{}, false
	}
	return alias.Pin + name[len(base):], alias, true
}

// TheirInputName is the reverse of InputAlias, for exports: AutoGPT's name of
// our input pin (dynamic suffixes kept) and its alias, or ok false when the
// pin has no other name there.
func (r *Registry) TheirInputName(id, pin string) (name string, alias PinAlias, ok bool) {
	e, found := r.byID[id]
	if !found {
		return "", PinAlias{}, false
	}
	base := BasePin(pin)
	for theirs, a := range e.block.Info().PinAliases {
		if a.Pin == base {
			return theirs + pin[len(base):], a, true
		}
	}
	return "", PinAlias{}, false
}

// checkAliases refuses an alias table that could not work: an alias that
// is itself one of the block's pins, or that stands for no pin.
func checkAliases(info *Info, in schemaShape) error {
	for theirs, a := range info.PinAliases {
		if slices.Contains(in.properties, theirs) {
			return fmt.Errorf("pin alias %q is one of the block's own pins", theirs)
		}
		if !slices.Contains(in.properties, a.Pin) {
			return fmt.Errorf("pin alias %q stands for %q, which is no input pin", theirs, a.Pin)
		}
	}
	return nil
}

// formatTypeAlias is AutoGPT's `format_type` of its date and time blocks: an
// object {discriminator: "strftime", format} or {discriminator: "iso8601"}
// where ours has a plain `format` string. iso is the format that renders
// ISO 8601 here. AutoGPT's timezone fields are not kept: these blocks use
// the run's user timezone.
func formatTypeAlias(strftimeDefault, iso string) map[string]PinAlias {
	return map[string]PinAlias{"format_type": {
		Pin: "format",
		ToOurs: func(v any) (any, bool) {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			switch m["discriminator"] {
			case "iso8601":
				return iso, true
			case "strftime", nil:
				if f, ok := m["format"].(string); ok {
					return f, true
				}
				if _, given := m["format"]; given {
					return nil, false
				}
				return strftimeDefault, true
			}
			return nil, false
		},
		ToTheirs: func(v any) any {
			if v == iso {
				return map[string]any{"discriminator": "iso8601"}
			}
			return map[string]any{"discriminator": "strftime", "format": v}
		},
	}}
}
