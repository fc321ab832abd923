package blocks

import (
	"context"
	"errors"
	"strings"
)

type textSplitIn struct {
	Text      string `json:"text" jsonschema_description:"The text to split."`
	Delimiter string `json:"delimiter" jsonschema_description:"The delimiter to split the text by."`
	Strip     bool   `json:"strip" jsonschema:"default=true" jsonschema_description:"Trim whitespace around each part."`
}

type textSplitOut struct {
	Texts []string `json:"texts" jsonschema_description:"The parts of the text."`
}

// TextSplitBlock splits text by a delimiter. An empty text gives an empty
// list (not [""]); an empty delimiter is an error, as in Python.
func TextSplitBlock() Block {
	return Define[textSplitIn, textSplitOut](Info{
		ID:          "d5ea33c8-a575-477a-b42f-2fe3be5055ec",
		Name:        "TextSplitBlock",
		Description: "Splits a text into a list of strings by a delimiter.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in textSplitIn, emit Emit) error {
		if in.Delimiter == "" {
			return errors.New("delimiter must not be empty")
		}
		texts := []any{}
		if in.Text != "" {
			for _, part := range strings.Split(in.Text, in.Delimiter) {
				if in.Strip {
					part = strings.TrimSpace(part)
				}
				texts = append(texts, part)
			}
		}
		return emit("texts", texts)
	})
}

type combineTextsIn struct {
	Input     []string `json:"input" jsonschema_description:"The texts to combine."`
	Delimiter string   `json:"delimiter" jsonschema:"default=" jsonschema_description:"Put between the texts."`
}

type combineTextsOut struct {
	Output string `json:"output" jsonschema_description:"The combined text."`
}

// CombineTextsBlock joins texts with a delimiter (AutoGPT's text join).
func CombineTextsBlock() Block {
	return Define[combineTextsIn, combineTextsOut](Info{
		ID:          "e30a4d42-7b7d-4e6a-b36e-1f9b8e3b7d85",
		Name:        "CombineTextsBlock",
		Description: "Combines multiple texts into one, separated by a delimiter.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in combineTextsIn, emit Emit) error {
		return emit("output", strings.Join(in.Input, in.Delimiter))
	})
}

type textReplaceIn struct {
	Text string `json:"text" jsonschema_description:"The text to work on."`
	Old  string `json:"old" jsonschema_description:"The text to replace."`
	New  string `json:"new" jsonschema_description:"The replacement."`
}

type textReplaceOut struct {
	Output string `json:"output" jsonschema_description:"The text with every occurrence replaced."`
}

// TextReplaceBlock replaces every occurrence of old with new.
func TextReplaceBlock() Block {
	return Define[textReplaceIn, textReplaceOut](Info{
		ID:          "7e7c87ab-3469-4bcc-9abe-67705091b713",
		Name:        "TextReplaceBlock",
		Description: "Replaces every occurrence of a text with another.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in textReplaceIn, emit Emit) error {
		if in.Old == "" {
			return errors.New("old must not be empty")
		}
		return emit("output", strings.ReplaceAll(in.Text, in.Old, in.New))
	})
}
