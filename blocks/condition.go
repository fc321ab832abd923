package blocks

import (
	"context"
	"fmt"
)

type conditionIn struct {
	Value1   any    `json:"value1" jsonschema:"required" jsonschema_description:"The first value to compare."`
	Operator string `json:"operator" jsonschema:"enum===,enum=!=,enum=>,enum=<,enum=>=,enum=<=" jsonschema_description:"The comparison operator."`
	Value2   any    `json:"value2" jsonschema:"required" jsonschema_description:"The second value to compare."`
	YesValue any    `json:"yes_value,omitempty" jsonschema_description:"Output on yes_output when true; value1 when not given."`
	NoValue  any    `json:"no_value,omitempty" jsonschema_description:"Output on no_output when false; value1 when not given."`
}

type conditionOut struct {
	Result    bool `json:"result" jsonschema_description:"The outcome of the comparison."`
	YesOutput any  `json:"yes_output" jsonschema_description:"yes_value (or value1) when the condition holds."`
	NoOutput  any  `json:"no_output" jsonschema_description:"no_value (or value1) when it does not."`
}

// ConditionBlock compares two values and yields only the taken branch, so
// the other branch's consumers never run. Numbers compare numerically (a
// numeric string against a number counts as a number), strings lexically;
// == and != work on any JSON values.
func ConditionBlock() Block {
	return Define[conditionIn, conditionOut](Info{
		ID:          "715696a0-e1da-45c8-b209-c2fa9c3b0be6",
		Name:        "ConditionBlock",
		Description: "Compares two values and routes to yes_output or no_output.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in conditionIn, emit Emit) error {
		ok, err := evaluate(in.Value1, in.Operator, in.Value2)
		if err != nil {
			return err
		}
		if err := emit("result", ok); err != nil {
			return err
		}
		if ok {
			return emit("yes_output", orDefault(in.YesValue, in.Value1))
		}
		return emit("no_output", orDefault(in.NoValue, in.Value1))
	})
}

func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func evaluate(a any, op string, b any) (bool, error) {
	switch op {
	case "==", "!=":
		eq := looseEqual(a, b)
		if c, err := compareValues(a, b); err == nil {
			eq = c == 0 // "5" == 5, like the ordering operators
		}
		return eq == (op == "=="), nil
	}
	c, err := compareValues(a, b)
	if err != nil {
		return false, fmt.Errorf("operator %s: %w", op, err)
	}
	switch op {
	case ">":
		return c > 0, nil
	case "<":
		return c < 0, nil
	case ">=":
		return c >= 0, nil
	case "<=":
		return c <= 0, nil
	}
	return false, fmt.Errorf("unknown operator %q", op)
}
