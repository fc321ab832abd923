package blocks

import "context"

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
