package blocks

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // zone names resolve even on hosts without a zoneinfo database
)

// userLocation is the run's timezone (the user's), UTC when unset. An
// unknown zone name is an error rather than a silent UTC.
func userLocation(rc *RunContext) (*time.Location, error) {
	name := ""
	if rc != nil {
		name = rc.UserContext.Timezone
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown timezone %q", name)
	}
	return loc, nil
}

type currentDateTimeIn struct {
	Trigger any    `json:"trigger,omitempty" jsonschema_description:"Any value; its arrival produces the current date and time."`
	Format  string `json:"format" jsonschema:"default=%Y-%m-%d %H:%M:%S" jsonschema_description:"strftime format (%Y %m %d %H %M %S …) or a Go layout."`
}

type currentDateTimeOut struct {
	DateTime string `json:"date_time" jsonschema_description:"The current date and time in the user's timezone."`
}

// GetCurrentDateAndTimeBlock outputs now, in the run's user timezone.
func GetCurrentDateAndTimeBlock() Block {
	return Define[currentDateTimeIn, currentDateTimeOut](Info{
		ID:          "716a67b3-6760-42e7-86dc-18645c6e00fc",
		Name:        "GetCurrentDateAndTimeBlock",
		Description: "Outputs the current date and time in the user's timezone.",
		Categories:  []Category{CategoryUtility},
		PinAliases:  formatTypeAlias("%Y-%m-%d %H:%M:%S", "2006-01-02T15:04:05Z07:00"),
		Type:        TypeStandard,
	}, func(_ context.Context, rc *RunContext, in currentDateTimeIn, emit Emit) error {
		loc, err := userLocation(rc)
		if err != nil {
			return err
		}
		return emit("date_time", formatTime(time.Now().In(loc), in.Format))
	})
}

type currentDateIn struct {
	Trigger any    `json:"trigger,omitempty" jsonschema_description:"Any value; its arrival produces the current date."`
	Offset  int    `json:"offset" jsonschema:"default=0" jsonschema_description:"Days to go back from today (AutoGPT's sign: 7 is a week ago)."`
	Format  string `json:"format" jsonschema:"default=%Y-%m-%d" jsonschema_description:"strftime format or a Go layout."`
}

type currentDateOut struct {
	Date string `json:"date" jsonschema_description:"The date in the user's timezone."`
}

// GetCurrentDateBlock outputs today's date (minus offset days).
func GetCurrentDateBlock() Block {
	return Define[currentDateIn, currentDateOut](Info{
		ID:          "b29c1b50-5d0e-4d9f-8f9d-1b0e6fcbf0b1",
		Name:        "GetCurrentDateBlock",
		Description: "Outputs the current date, optionally offset by a number of days back.",
		Categories:  []Category{CategoryUtility},
		PinAliases:  formatTypeAlias("%Y-%m-%d", "%Y-%m-%d"),
		Type:        TypeStandard,
	}, func(_ context.Context, rc *RunContext, in currentDateIn, emit Emit) error {
		loc, err := userLocation(rc)
		if err != nil {
			return err
		}
		return emit("date", formatTime(time.Now().In(loc).AddDate(0, 0, -in.Offset), in.Format))
	})
}

type currentTimeIn struct {
	Trigger any    `json:"trigger,omitempty" jsonschema_description:"Any value; its arrival produces the current time."`
	Format  string `json:"format" jsonschema:"default=%H:%M:%S" jsonschema_description:"strftime format or a Go layout."`
}

type currentTimeOut struct {
	Time string `json:"time" jsonschema_description:"The time of day in the user's timezone."`
}

// GetCurrentTimeBlock outputs the time of day.
func GetCurrentTimeBlock() Block {
	return Define[currentTimeIn, currentTimeOut](Info{
		ID:          "a892b8d9-3e4e-4e9c-9c1e-75f8efcf1bfa",
		Name:        "GetCurrentTimeBlock",
		Description: "Outputs the current time of day in the user's timezone.",
		Categories:  []Category{CategoryUtility},
		PinAliases:  formatTypeAlias("%H:%M:%S", "T15:04:05Z07:00"),
		Type:        TypeStandard,
	}, func(_ context.Context, rc *RunContext, in currentTimeIn, emit Emit) error {
		loc, err := userLocation(rc)
		if err != nil {
			return err
		}
		return emit("time", formatTime(time.Now().In(loc), in.Format))
	})
}
