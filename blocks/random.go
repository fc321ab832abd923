package blocks

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

type randomNumberIn struct {
	Min     float64 `json:"min" jsonschema:"default=0" jsonschema_description:"The smallest possible number."`
	Max     float64 `json:"max" jsonschema:"default=1" jsonschema_description:"The largest possible number."`
	Integer bool    `json:"integer" jsonschema:"default=false" jsonschema_description:"Draw a whole number in [min, max] instead of a real in [min, max)."`
	Trigger any     `json:"trigger,omitempty" jsonschema_description:"Any value; its arrival draws a new number."`
}

type randomNumberOut struct {
	Number float64 `json:"number" jsonschema_description:"The random number."`
}

// RandomNumberBlock draws a uniformly random number.
func RandomNumberBlock() Block {
	return Define[randomNumberIn, randomNumberOut](Info{
		ID:          "5f220194-e5ec-435e-9308-2e3ed937ba0b",
		Name:        "RandomNumberBlock",
		Description: "Generates a random number between min and max, optionally a whole number.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in randomNumberIn, emit Emit) error {
		if in.Min > in.Max {
			return fmt.Errorf("min (%v) is greater than max (%v)", in.Min, in.Max)
		}
		if !in.Integer {
			return emit("number", in.Min+rand.Float64()*(in.Max-in.Min))
		}
		lo, hi := math.Ceil(in.Min), math.Floor(in.Max)
		if lo > hi {
			return fmt.Errorf("no whole number between %v and %v", in.Min, in.Max)
		}
		if hi-lo >= 1<<53 {
			return fmt.Errorf("range %v..%v is too wide", lo, hi)
		}
		return emit("number", lo+float64(rand.Int64N(int64(hi-lo)+1)))
	})
}
