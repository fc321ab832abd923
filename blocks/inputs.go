package blocks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/invopop/jsonschema"
)

// AutoGPT's input family: typed graph inputs. Each is a graph-input block
// (Type INPUT) like AgentInputBlock, so the engine feeds the run's input of
// the node's `name` into `value`, and the graph's input schema (GraphField)
// describes it with its type. They keep AutoGPT's ids, names and pins.

// hinted is what inputBlock needs of an input: the shared pins.
type hinted interface{ hints() inputHints }

func (h inputHints) hints() inputHints { return h }

// inputBlock builds a graph-input block. value returns what the node yields
// on `result` (nil: nothing, as AutoGPT's input blocks yield nothing without
// a value) and the choices it must be one of (none: any).
func inputBlock[In hinted, Out any](info Info, value func(in In) (any, []any, error)) Block {
	info.Categories = []Category{CategoryInput}
	info.Type = TypeInput
	return Define[In, Out](info, func(_ context.Context, _ *RunContext, in In, emit Emit) error {
		v, choices, err := value(in)
		if err != nil || v == nil {
			return err
		}
		if err := checkChoice(v, choices, in.hints().Secret); err != nil {
			return err
		}
		return emit("result", v)
	})
}

// checkChoice refuses a value that is not one of choices (none: any value).
// A secret's value is never quoted.
func checkChoice(v any, choices []any, secret bool) error {
	if len(choices) == 0 {
		return nil
	}
	for _, c := range choices {
		if looseEqual(v, c) {
			return nil
		}
	}
	opts, _ := json.Marshal(choices)
	if secret {
		return fmt.Errorf("the value is not one of the options %s", opts)
	}
	got, _ := json.Marshal(v)
	return fmt.Errorf("%s is not one of the options %s", got, opts)
}

// Date and time inputs take AutoGPT's (pydantic's) ISO forms.
var (
	dateLayouts = []string{"2006-01-02"}
	timeLayouts = []string{"15:04:05.999999999", "15:04"}
)

// checkFormat normalises a date ("YYYY-MM-DD") or time ("HH:MM:SS", with
// fractional seconds when it has them) input; other formats are not checked.
func checkFormat(format string, v any) (any, error) {
	var layouts []string
	switch format {
	case "date":
		layouts = dateLayouts
	case "time":
		layouts = timeLayouts
	default:
		return v, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("a %s must be a string, got %s", format, typeName(v))
	}
	for _, l := range layouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		switch {
		case format == "date":
			return t.Format("2006-01-02"), nil
		case t.Nanosecond() != 0:
			return t.Format("15:04:05.000000"), nil
		default:
			return t.Format("15:04:05"), nil
		}
	}
	if format == "date" {
		return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return nil, fmt.Errorf("%q is not a time (HH:MM:SS or HH:MM)", s)
}

type shortTextIn struct {
	Name  string  `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *string `json:"value,omitempty" jsonschema:"format=short-text" jsonschema_description:"Short text input (the run's input, or this default)."`
	inputHints
}

type textResult struct {
	Result string `json:"result" jsonschema_description:"The text passed as input."`
}

// AgentShortTextInputBlock is a single-line text input of the graph.
func AgentShortTextInputBlock() Block {
	return inputBlock[shortTextIn, textResult](Info{
		ID:          "7fcd3bcb-8e1b-4e69-903d-32d3d4a92158",
		Name:        "AgentShortTextInputBlock",
		Description: "Block for short text input (single-line): a named graph input taking a string.",
	}, func(in shortTextIn) (any, []any, error) { return deref(in.Value), in.PlaceholderValues, nil })
}

type longTextIn struct {
	Name  string  `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *string `json:"value,omitempty" jsonschema:"format=long-text" jsonschema_description:"Long text input, possibly multi-line (the run's input, or this default)."`
	inputHints
}

// AgentLongTextInputBlock is a multi-line text input of the graph.
func AgentLongTextInputBlock() Block {
	return inputBlock[longTextIn, textResult](Info{
		ID:          "90a56ffb-7024-4b2b-ab50-e26c5e5ab8ba",
		Name:        "AgentLongTextInputBlock",
		Description: "Block for long text input (multi-line): a named graph input taking a string.",
	}, func(in longTextIn) (any, []any, error) { return deref(in.Value), in.PlaceholderValues, nil })
}

type numberIn struct {
	Name  string `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *int64 `json:"value,omitempty" jsonschema_description:"Number input, a whole number (the run's input, or this default); a fraction is refused, as AutoGPT's integer input refuses it."`
	inputHints
}

type numberResult struct {
	Result int64 `json:"result" jsonschema_description:"The number passed as input."`
}

// AgentNumberInputBlock is a whole-number input of the graph.
func AgentNumberInputBlock() Block {
	return inputBlock[numberIn, numberResult](Info{
		ID:          "96dae2bb-97a2-41c2-bd2f-13a3b5a8ea98",
		Name:        "AgentNumberInputBlock",
		Description: "Block for number input: a named graph input taking a whole number.",
	}, func(in numberIn) (any, []any, error) { return deref(in.Value), in.PlaceholderValues, nil })
}

type dateIn struct {
	Name  string  `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *string `json:"value,omitempty" jsonschema:"format=date" jsonschema_description:"Date input, YYYY-MM-DD (the run's input, or this default)."`
	inputHints
}

type dateResult struct {
	Result string `json:"result" jsonschema:"format=date" jsonschema_description:"The date passed as input, YYYY-MM-DD."`
}

// AgentDateInputBlock is a date input of the graph; anything but a
// YYYY-MM-DD date is refused.
func AgentDateInputBlock() Block {
	return inputBlock[dateIn, dateResult](Info{
		ID:          "7e198b09-4994-47db-8b4d-952d98241817",
		Name:        "AgentDateInputBlock",
		Description: "Block for date input: a named graph input taking a date (YYYY-MM-DD).",
	}, func(in dateIn) (any, []any, error) { return formatted("date", in.Value, in.PlaceholderValues) })
}

type timeIn struct {
	Name  string  `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *string `json:"value,omitempty" jsonschema:"format=time" jsonschema_description:"Time input, HH:MM:SS or HH:MM (the run's input, or this default)."`
	inputHints
}

type timeResult struct {
	Result string `json:"result" jsonschema:"format=time" jsonschema_description:"The time passed as input, HH:MM:SS."`
}

// AgentTimeInputBlock is a time-of-day input of the graph.
func AgentTimeInputBlock() Block {
	return inputBlock[timeIn, timeResult](Info{
		ID:          "2a1c757e-86cf-4c7e-aacf-060dc382e434",
		Name:        "AgentTimeInputBlock",
		Description: "Block for time input: a named graph input taking a time of day (HH:MM:SS).",
	}, func(in timeIn) (any, []any, error) { return formatted("time", in.Value, in.PlaceholderValues) })
}

type dropdownIn struct {
	Name  string  `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value *string `json:"value,omitempty" jsonschema_description:"Text selected from the dropdown (the run's input, or this default)."`
	inputHints
	Options []any `json:"options,omitempty" jsonschema_description:"The dropdown's options: the only values the input accepts (the graph's input schema lists them as its enum). AutoGPT's older exports name them placeholder_values, which is used when options is empty. Empty: free text."`
}

type dropdownResult struct {
	Result string `json:"result" jsonschema_description:"The selected value."`
}

// AgentDropdownInputBlock is a text input restricted to a set of options.
func AgentDropdownInputBlock() Block {
	return inputBlock[dropdownIn, dropdownResult](Info{
		ID:          "655d6fdf-a334-421c-b733-520549c07cd1",
		Name:        "AgentDropdownInputBlock",
		Description: "Block for dropdown text selection: a named graph input restricted to its options (placeholder_values in older exports).",
	}, func(in dropdownIn) (any, []any, error) {
		choices := in.Options
		if len(choices) == 0 {
			choices = in.PlaceholderValues
		}
		return deref(in.Value), choices, nil
	})
}

type toggleIn struct {
	Name  string `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value bool   `json:"value" jsonschema:"default=false" jsonschema_description:"Boolean toggle input (the run's input, or this default: false)."`
	inputHints
}

type toggleResult struct {
	Result bool `json:"result" jsonschema_description:"The boolean passed as input."`
}

// AgentToggleInputBlock is a boolean input of the graph; unlike the other
// inputs it always has a value (false by default), so it is never required.
func AgentToggleInputBlock() Block {
	return inputBlock[toggleIn, toggleResult](Info{
		ID:          "cbf36ab5-df4a-43b6-8a7f-f7ed8652116e",
		Name:        "AgentToggleInputBlock",
		Description: "Block for boolean toggle input: a named graph input taking true or false (false by default).",
	}, func(in toggleIn) (any, []any, error) { return in.Value, in.PlaceholderValues, nil })
}

// defaultColumns are AutoGPT's column headers of a new table input.
var defaultColumns = []string{"Column 1", "Column 2", "Column 3"}

type tableIn struct {
	Name          string           `json:"name" jsonschema_description:"The name of the graph input; the run's input of that name is fed into value."`
	Value         []map[string]any `json:"value,omitempty" jsonschema_description:"The table data, a list of rows, each an object keyed by column header (the run's input, or this default)."`
	ColumnHeaders []string         `json:"column_headers" jsonschema_description:"The table's column headers: the graph's input schema gives each row these properties (strings)."`
	inputHints
}

// JSONSchemaExtend marks the value as a table (AutoGPT's format "table",
// which GraphField turns into columns) and sets the default columns, which
// struct tags cannot express for a list.
func (tableIn) JSONSchemaExtend(s *jsonschema.Schema) {
	if v, ok := s.Properties.Get("value"); ok {
		v.Format = "table"
	}
	if c, ok := s.Properties.Get("column_headers"); ok {
		c.Default = defaultColumns
	}
}

type tableResult struct {
	Result []map[string]any `json:"result" jsonschema_description:"The table data as a list of rows keyed by column header."`
}

// AgentTableInputBlock is a table input of the graph. As in AutoGPT it
// yields an empty table, not nothing, when it has no value.
func AgentTableInputBlock() Block {
	return inputBlock[tableIn, tableResult](Info{
		ID:          "5603b273-f41e-4020-af7d-fbc9c6a8d928",
		Name:        "AgentTableInputBlock",
		Description: "Block for table data input with customizable column headers: a named graph input taking a list of rows; yields an empty list when there is none.",
	}, func(in tableIn) (any, []any, error) {
		if in.Value == nil {
			return []map[string]any{}, nil, nil
		}
		return in.Value, in.PlaceholderValues, nil
	})
}

// deref is *p, or an untyped nil (nothing to yield) for a nil pointer.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// formatted is a date or time value, normalised (nil when there is none).
func formatted(format string, v *string, choices []any) (any, []any, error) {
	if v == nil {
		return nil, nil, nil
	}
	n, err := checkFormat(format, *v)
	return n, choices, err
}
