package blocks

import (
	"context"
	"time"
)

type waitIn struct {
	// At most a day: the node timeout (NODE_TIMEOUT, 10 minutes by default)
	// ends a longer wait anyway, and an unbounded number would overflow the
	// wait's duration and its price.
	Seconds float64 `json:"seconds" jsonschema:"minimum=0,maximum=86400" jsonschema_description:"How long to wait, in seconds: at most 86400 (a day), and never past the node timeout."`
	Data    any     `json:"data,omitempty" jsonschema_description:"The value to pass on after the wait."`
}

type waitOut struct {
	Data any `json:"data" jsonschema_description:"The data, after the wait."`
}

// WaitBlock delays its data. It waits on the run's context, so a cancelled
// or timed-out run stops it at once with the context's error.
func WaitBlock() Block {
	return Define[waitIn, waitOut](Info{
		ID:          "46371b47-ed64-47e1-9583-5959e4757de0",
		Name:        "WaitBlock",
		Description: "Waits for the given number of seconds, then passes its data on.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
		Costs: []Cost{{Type: CostSecond, Amount: 1, Currency: DefaultCurrency,
			Description: "per started second waited; the wait (plus a second) is reserved, the unused part given back"}},
		Limits:   waitLimits,
		PricedBy: []string{"seconds"},
	}, func(ctx context.Context, _ *RunContext, in waitIn, emit Emit) error {
		if err := sleep(ctx, time.Duration(in.Seconds*float64(time.Second))); err != nil {
			return err
		}
		return emit("data", in.Data)
	})
}

// sleep waits for d, or until ctx ends (a cancelled or timed-out run) with
// the context's error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitLimits reserves the wait's started seconds plus one, for the time
// around the wait itself (a run time of 2.001s is 3 started seconds).
func waitLimits(input map[string]any) Usage {
	f, _ := toFloat(input["seconds"])
	return Usage{CostSecond: AddCredits(SecondsUsed(max(f, 0)), 1)}
}
