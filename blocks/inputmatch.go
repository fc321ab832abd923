package blocks

import "context"

type ifInputMatchesIn struct {
	Input    any `json:"input" jsonschema:"required" jsonschema_description:"The input to match against value."`
	Value    any `json:"value,omitempty" jsonschema_description:"The value the input must equal (null when not given)."`
	YesValue any `json:"yes_value,omitempty" jsonschema_description:"Output on yes_output when the input matches."`
	NoValue  any `json:"no_value,omitempty" jsonschema_description:"Output on no_output when it does not."`
}

type ifInputMatchesOut struct {
	Result    bool `json:"result" jsonschema_description:"Whether the input equals the value."`
	YesOutput any  `json:"yes_output" jsonschema_description:"yes_value, when the input matches."`
	NoOutput  any  `json:"no_output" jsonschema_description:"no_value, when it does not."`
}

// IfInputMatchesBlock routes on equality with JSON semantics (3 equals 3.0,
// lists and objects compare deeply, "3" is not 3) and yields only the taken
// branch. Unlike ConditionBlock it yields yes_value/no_value as given, null
// included, as AutoGPT's does.
func IfInputMatchesBlock() Block {
	return Define[ifInputMatchesIn, ifInputMatchesOut](Info{
		ID:          "6dbbc4b3-ca6c-42b6-b508-da52d23e13f2",
		Name:        "IfInputMatchesBlock",
		Description: "Checks whether the input equals a value and routes yes_value to yes_output or no_value to no_output.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in ifInputMatchesIn, emit Emit) error {
		ok := looseEqual(in.Input, in.Value)
		if err := emit("result", ok); err != nil {
			return err
		}
		if ok {
			return emit("yes_output", in.YesValue)
		}
		return emit("no_output", in.NoValue)
	})
}
