package blocks

import (
	"context"
	"errors"
	"fmt"
	"math"
)

type calculatorIn struct {
	Operation   string  `json:"operation" jsonschema:"enum=Add,enum=Subtract,enum=Multiply,enum=Divide,enum=Power" jsonschema_description:"The operation to perform."`
	A           float64 `json:"a" jsonschema_description:"The first number (A)."`
	B           float64 `json:"b" jsonschema_description:"The second number (B)."`
	RoundResult bool    `json:"round_result" jsonschema:"default=false" jsonschema_description:"Round the result to a whole number."`
}

type calculatorOut struct {
	Result float64 `json:"result" jsonschema_description:"The result of the calculation."`
}

// CalculatorBlock applies one arithmetic operation to a and b. Where
// AutoGPT yields inf or NaN (which JSON cannot carry), it fails: division
// by zero and non-finite results are errors, routed on the error pin.
func CalculatorBlock() Block {
	return Define[calculatorIn, calculatorOut](Info{
		ID:          "b1ab9b19-67a6-406d-abf5-2dba76d00c79",
		Name:        "CalculatorBlock",
		Description: "Performs a mathematical operation (Add, Subtract, Multiply, Divide, Power) on two numbers.",
		Categories:  []Category{CategoryProcessing},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in calculatorIn, emit Emit) error {
		r, err := calculate(in.Operation, in.A, in.B)
		if err != nil {
			return err
		}
		if in.RoundResult {
			r = math.RoundToEven(r) // Python's round()
		}
		return emit("result", r)
	})
}

func calculate(op string, a, b float64) (float64, error) {
	var r float64
	switch op {
	case "Add":
		r = a + b
	case "Subtract":
		r = a - b
	case "Multiply":
		r = a * b
	case "Divide":
		if b == 0 {
			return 0, errors.New("cannot divide by zero")
		}
		r = a / b
	case "Power":
		r = math.Pow(a, b)
	default:
		return 0, fmt.Errorf("unknown operation %q", op)
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return 0, fmt.Errorf("%s(%v, %v) has no finite result", op, a, b)
	}
	return r, nil
}
