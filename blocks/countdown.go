package blocks

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// countdownMaxRepeat bounds repeat: each repetition is an output routed
// downstream, and a timer of 0 seconds would otherwise emit in a tight loop.
const countdownMaxRepeat = 1000

// countdownMax bounds one countdown: longer ones are surely a mistake (and
// would overflow a time.Duration).
const countdownMax = 366 * 24 * time.Hour

type countdownIn struct {
	InputMessage any `json:"input_message" jsonschema:"default=timer finished" jsonschema_description:"The value to output each time the timer finishes."`
	Seconds      any `json:"seconds" jsonschema:"oneof_type=number;string,default=0" jsonschema_description:"Duration in seconds (a number or numeric text)."`
	Minutes      any `json:"minutes" jsonschema:"oneof_type=number;string,default=0" jsonschema_description:"Duration in minutes (a number or numeric text)."`
	Hours        any `json:"hours" jsonschema:"oneof_type=number;string,default=0" jsonschema_description:"Duration in hours (a number or numeric text)."`
	Days         any `json:"days" jsonschema:"oneof_type=number;string,default=0" jsonschema_description:"Duration in days (a number or numeric text)."`
	Repeat       int `json:"repeat" jsonschema:"default=1,minimum=0,maximum=1000" jsonschema_description:"How many times to run the timer, one output each."`
}

type countdownOut struct {
	OutputMessage any `json:"output_message" jsonschema_description:"input_message, after each countdown."`
}

// CountdownTimerBlock waits for days+hours+minutes+seconds, then yields its
// message, repeat times. It waits on the run's context, so cancelling the
// run (or its timeout) stops it at once. It holds a worker while it waits,
// so it is priced as WaitBlock is: per started second, the whole countdown
// reserved before it starts.
func CountdownTimerBlock() Block {
	return Define[countdownIn, countdownOut](Info{
		ID:          "d67a9c52-5e4e-11e2-bcfd-0800200c9a71",
		Name:        "CountdownTimerBlock",
		Description: "Waits for the given days, hours, minutes and seconds, then outputs its message; repeat times.",
		Categories:  []Category{CategoryUtility},
		Type:        TypeStandard,
		Costs: []Cost{{Type: CostSecond, Amount: 1, Currency: DefaultCurrency,
			Description: "per started second counted down; the whole countdown (plus a second) is reserved, the unused part given back"}},
		Limits:   countdownLimits,
		PricedBy: []string{"days", "hours", "minutes", "seconds", "repeat"},
	}, func(ctx context.Context, _ *RunContext, in countdownIn, emit Emit) error {
		d, err := countdownDuration(in.Days, in.Hours, in.Minutes, in.Seconds)
		if err != nil {
			return err
		}
		for range in.Repeat {
			if err := sleep(ctx, d); err != nil {
				return err
			}
			if err := emit("output_message", in.InputMessage); err != nil {
				return err
			}
		}
		return nil
	})
}

// countdownDuration adds the four parts; a negative total is no wait (as
// in AutoGPT, which sleeps only for a positive total).
func countdownDuration(days, hours, minutes, seconds any) (time.Duration, error) {
	total := 0.0
	for _, p := range []struct {
		name  string
		v     any
		scale float64
	}{{"days", days, 86400}, {"hours", hours, 3600}, {"minutes", minutes, 60}, {"seconds", seconds, 1}} {
		f, err := countdownPart(p.v)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.name, err)
		}
		total += f * p.scale
	}
	if total <= 0 {
		return 0, nil
	}
	if total > countdownMax.Seconds() {
		return 0, fmt.Errorf("a countdown of %.0f seconds is longer than the longest allowed (%.0f days)", total, countdownMax.Hours()/24)
	}
	return time.Duration(total * float64(time.Second)), nil
}

func countdownPart(v any) (float64, error) {
	if v == nil {
		return 0, nil
	}
	if f, ok := toFloat(v); ok {
		return f, nil
	}
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%q is not a number", textOf(v))
}

// countdownLimits reserves every repetition's started seconds plus one, for
// the time around the waits (as waitLimits does). An input it cannot read
// reserves the extra second only: the block then fails before waiting.
func countdownLimits(input map[string]any) Usage {
	d, _ := countdownDuration(input["days"], input["hours"], input["minutes"], input["seconds"])
	repeat := 1.0
	if r, ok := toFloat(input["repeat"]); ok {
		repeat = max(0, min(r, countdownMaxRepeat))
	}
	return Usage{CostSecond: SecondsUsed(d.Seconds()*repeat) + 1}
}
