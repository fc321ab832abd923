package blocks

import (
	"context"
	"encoding/json"
)

type storeValueIn struct {
	Input any `json:"input" jsonschema:"required" jsonschema_description:"Triggers the block; its value is the output when data is not given."`
	Data  any `json:"data,omitempty" jsonschema_description:"The constant to output; when absent (null) the input is output."`
}

type storeValueOut struct {
	Output any `json:"output" jsonschema_description:"data if given, else input."`
}

// StoreValueBlock forwards data, or its input when there is no data: a
// constant that fires whenever its input arrives. Unlike AutoGPT's
// `data or input`, only a missing (null) data falls back, so 0, "" and
// false are forwarded as given.
func StoreValueBlock() Block {
	return Define[storeValueIn, storeValueOut](Info{
		ID:          "1ff065e9-88e8-4358-9d82-8dc91f622ba9",
		Name:        "StoreValueBlock",
		Description: "Forwards data if given, otherwise the input, allowing a value to be reused without change.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in storeValueIn, emit Emit) error {
		if in.Data != nil {
			return emit("output", in.Data)
		}
		return emit("output", in.Input)
	})
}

type noteIn struct {
	Text string `json:"text" jsonschema_description:"The text of the sticky note."`
}

type noteOut struct {
	Output string `json:"output" jsonschema_description:"The text of the sticky note."`
}

// NoteBlock is an editor sticky note; running it just echoes its text.
func NoteBlock() Block {
	return Define[noteIn, noteOut](Info{
		ID:          "cc10ff7b-7753-4ff2-9af6-9399b1a7eddc",
		Name:        "NoteBlock",
		Description: "Displays a sticky note with the given text.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in noteIn, emit Emit) error {
		return emit("output", in.Text)
	})
}

type printIn struct {
	Text  any    `json:"text" jsonschema:"required" jsonschema_description:"The data to print to the console (the run's log)."`
	Level string `json:"level,omitempty" jsonschema:"enum=DEBUG,enum=INFO,enum=WARNING,enum=ERROR,enum=CRITICAL,default=INFO" jsonschema_description:"The level of the log line; INFO when omitted."`
}

type printOut struct {
	Output any    `json:"output" jsonschema_description:"The data printed, unchanged."`
	Status string `json:"status" jsonschema_description:"The status of the print operation: printed."`
}

// PrintToConsoleBlock is AutoGPT's: it "prints" its text, which on a
// server means a line in the run's log (at level, INFO by default; the
// level pin is ours), and forwards it.
func PrintToConsoleBlock() Block {
	return Define[printIn, printOut](Info{
		ID:          "f3b1c1b2-4c4f-4f0d-8d2f-4c4f0d8d2f4c",
		Name:        "PrintToConsoleBlock",
		Description: "Print the given text to the console (the run's log), this is used for a debugging purpose.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
	}, func(_ context.Context, rc *RunContext, in printIn, emit Emit) error {
		level := in.Level
		if level == "" {
			level = LevelInfo
		}
		text, ok := in.Text.(string)
		if !ok {
			raw, _ := json.Marshal(in.Text)
			text = string(raw)
		}
		rc.log(level, text, nil)
		if err := emit("output", in.Text); err != nil {
			return err
		}
		return emit("status", "printed")
	})
}
