package blocks

import (
	"context"
	"fmt"
)

type createListIn struct {
	Values  []any `json:"values" jsonschema_description:"The values of the list (often given as dynamic pins values_$_0, values_$_1, …)."`
	MaxSize int   `json:"max_size,omitempty" jsonschema:"minimum=0" jsonschema_description:"When set, the list is yielded in chunks of at most this size."`
}

type createListOut struct {
	List []any `json:"list" jsonschema_description:"The list (or one chunk of it)."`
}

// CreateListBlock builds a list from values, optionally in chunks.
func CreateListBlock() Block {
	return Define[createListIn, createListOut](Info{
		ID:          "a912d5c7-6e00-4542-b2a9-8034136930e4",
		Name:        "CreateListBlock",
		Description: "Creates a list from the given values, optionally yielded in chunks of max_size.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in createListIn, emit Emit) error {
		values := in.Values
		if values == nil {
			values = []any{}
		}
		if in.MaxSize <= 0 || len(values) <= in.MaxSize {
			return emit("list", values)
		}
		for start := 0; start < len(values); start += in.MaxSize {
			end := min(start+in.MaxSize, len(values))
			if err := emit("list", values[start:end:end]); err != nil {
				return err
			}
		}
		return nil
	})
}

type addToListIn struct {
	List     []any `json:"list,omitempty" jsonschema_description:"The list to add to; a new list when not given."`
	Entry    any   `json:"entry,omitempty" jsonschema_description:"The entry to add."`
	Entries  []any `json:"entries,omitempty" jsonschema_description:"Several entries to add (before entry)."`
	Position *int  `json:"position,omitempty" jsonschema_description:"Where to insert, Python-slice style (negative from the end); appended when not given."`
}

type addToListOut struct {
	UpdatedList []any `json:"updated_list" jsonschema_description:"The list with the entries added."`
}

// AddToListBlock inserts entries (then entry) into a copy of a list.
func AddToListBlock() Block {
	return Define[addToListIn, addToListOut](Info{
		ID:          "aeb08fc1-2fc1-4141-bc8e-f758f183a822",
		Name:        "AddToListBlock",
		Description: "Adds entries to a list at a position or at the end; creates the list if none is given.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in addToListIn, emit Emit) error {
		added := append([]any{}, in.Entries...)
		if in.Entry != nil {
			added = append(added, in.Entry)
		}
		pos := len(in.List)
		if in.Position != nil {
			pos = sliceIndex(*in.Position, len(in.List))
		}
		out := make([]any, 0, len(in.List)+len(added))
		out = append(out, in.List[:pos]...)
		out = append(out, added...)
		out = append(out, in.List[pos:]...)
		return emit("updated_list", out)
	})
}

// sliceIndex clamps i into [0, n] as a Python slice bound does.
func sliceIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

type findInListIn struct {
	List  []any `json:"list" jsonschema_description:"The list to search."`
	Value any   `json:"value" jsonschema:"required" jsonschema_description:"The value to look for (3 equals 3.0)."`
}

type findInListOut struct {
	Index         int  `json:"index" jsonschema_description:"The index of the first occurrence."`
	Found         bool `json:"found" jsonschema_description:"Whether the value is in the list."`
	NotFoundValue any  `json:"not_found_value" jsonschema_description:"The value, when it is not in the list."`
}

// FindInListBlock finds the index of a value in a list.
func FindInListBlock() Block {
	return Define[findInListIn, findInListOut](Info{
		ID:          "5e2c6d0a-1e37-489f-b1d0-8e1812b23333",
		Name:        "FindInListBlock",
		Description: "Finds the index of a value in a list.",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in findInListIn, emit Emit) error {
		for i, v := range in.List {
			if looseEqual(v, in.Value) {
				if err := emit("index", i); err != nil {
					return err
				}
				return emit("found", true)
			}
		}
		if err := emit("found", false); err != nil {
			return err
		}
		return emit("not_found_value", in.Value)
	})
}

type getListItemIn struct {
	List  []any `json:"list" jsonschema_description:"The list to read from."`
	Index int   `json:"index" jsonschema_description:"The 0-based index; negative counts from the end."`
}

type getListItemOut struct {
	Item any `json:"item" jsonschema_description:"The item at the index."`
}

// GetListItemBlock returns the element at an index; out of range fails.
func GetListItemBlock() Block {
	return Define[getListItemIn, getListItemOut](Info{
		ID:          "262ca24c-1025-43cf-a578-534e23234e97",
		Name:        "GetListItemBlock",
		Description: "Returns the element of a list at the given index (negative counts from the end).",
		Categories:  []Category{CategoryData},
		Type:        TypeStandard,
	}, func(_ context.Context, _ *RunContext, in getListItemIn, emit Emit) error {
		i := in.Index
		if i < 0 {
			i += len(in.List)
		}
		if i < 0 || i >= len(in.List) {
			return fmt.Errorf("index %d out of range for a list of %d", in.Index, len(in.List))
		}
		return emit("item", in.List[i])
	})
}
