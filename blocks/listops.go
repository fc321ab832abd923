package blocks

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

type countItemsIn struct {
	Collection any `json:"collection" jsonschema:"required" jsonschema_description:"The collection to count: a list, a dictionary or a string."`
}

type countItemsOut struct {
	Count int `json:"count" jsonschema_description:"The number of items (characters for a string); -1 when the input is no collection."`
}

// CountItemsBlock counts a collection's items as Python's len() does. Like
// AutoGPT's, it answers -1 rather than failing for a value that is no
// collection (a number, a boolean, null): agents branch on that.
func CountItemsBlock() Block {
	return Define[countItemsIn, countItemsOut](Info{
		ID:          "3c9c2f42-b0c3-435f-ba35-05f7a25c772a",
		Name:        "CountItemsBlock",
		Description: "Counts the items of a list or dictionary, or the characters of a string; -1 for anything else.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in countItemsIn, emit Emit) error {
		n := -1
		switch c := in.Collection.(type) {
		case string:
			n = utf8.RuneCountInString(c) // characters, as Python counts them
		case []any:
			n = len(c)
		case map[string]any:
			n = len(c)
		}
		return emit("count", n)
	})
}

type removeFromListIn struct {
	List       []any `json:"list" jsonschema_description:"The list to remove an item from."`
	Value      any   `json:"value,omitempty" jsonschema_description:"The value to remove (its first occurrence; 3 equals 3.0); used when no index is given."`
	Index      *int  `json:"index,omitempty" jsonschema_description:"The index of the item to remove; negative counts from the end. Takes precedence over value."`
	ReturnItem bool  `json:"return_item" jsonschema:"default=false" jsonschema_description:"Also yield the removed item on removed_item."`
}

type removeFromListOut struct {
	UpdatedList []any `json:"updated_list" jsonschema_description:"The list without the removed item."`
	RemovedItem any   `json:"removed_item" jsonschema_description:"The removed item, when return_item is set."`
}

// RemoveFromListBlock removes one item from a copy of a list, by index (as
// Python's list.pop) or else by value (list.remove). Nothing to remove
// fails the node, as AutoGPT's yields its error.
func RemoveFromListBlock() Block {
	return Define[removeFromListIn, removeFromListOut](Info{
		ID:          "d93c5a93-ac7e-41c1-ae5c-ef67e6e9b826",
		Name:        "RemoveFromListBlock",
		Description: "Removes an item from a list by index (negative counts from the end) or by value.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in removeFromListIn, emit Emit) error {
		at := -1
		switch {
		case in.Index != nil:
			i := *in.Index
			if i < 0 {
				i += len(in.List)
			}
			if i < 0 || i >= len(in.List) {
				return fmt.Errorf("index %d out of range for a list of %d", *in.Index, len(in.List))
			}
			at = i
		case in.Value != nil:
			for i, v := range in.List {
				if looseEqual(v, in.Value) {
					at = i
					break
				}
			}
			if at < 0 {
				return fmt.Errorf("value %s is not in the list", pythonJSON(in.Value))
			}
		default:
			return errors.New("no index or value given to remove")
		}
		removed := in.List[at]
		out := make([]any, 0, len(in.List)-1)
		out = append(append(out, in.List[:at]...), in.List[at+1:]...)
		if err := emit("updated_list", out); err != nil {
			return err
		}
		if in.ReturnItem {
			return emit("removed_item", removed)
		}
		return nil
	})
}

type listIsEmptyIn struct {
	List []any `json:"list" jsonschema_description:"The list to check."`
}

type listIsEmptyOut struct {
	IsEmpty bool `json:"is_empty" jsonschema_description:"True when the list has no items."`
}

// ListIsEmptyBlock tells whether a list is empty.
func ListIsEmptyBlock() Block {
	return Define[listIsEmptyIn, listIsEmptyOut](Info{
		ID:          "896ed73b-27d0-41be-813c-c1c1dc856c03",
		Name:        "ListIsEmptyBlock",
		Description: "Checks whether a list is empty.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in listIsEmptyIn, emit Emit) error {
		return emit("is_empty", len(in.List) == 0)
	})
}
