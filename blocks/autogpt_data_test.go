package blocks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAutoGPTDataBlockIDs pins the ids AutoGPT's exports use for its data
// blocks (issue 18): an imported agent finds its blocks by these.
func TestAutoGPTDataBlockIDs(t *testing.T) {
	t.Parallel()
	for name, id := range map[string]string{
		"UniversalTypeConverterBlock": "95d1b990-ce13-4d88-9737-ba5c2070c97b",
		"CountItemsBlock":             "3c9c2f42-b0c3-435f-ba35-05f7a25c772a",
		"XMLParserBlock":              "286380af-9529-4b55-8be0-1d7c854abdb5",
		"RemoveFromListBlock":         "d93c5a93-ac7e-41c1-ae5c-ef67e6e9b826",
		"ListIsEmptyBlock":            "896ed73b-27d0-41be-813c-c1c1dc856c03",
		"IfInputMatchesBlock":         "6dbbc4b3-ca6c-42b6-b508-da52d23e13f2",
		"PersistInformationBlock":     "1d055e55-a2b9-4547-8311-907d05b0304d",
		"RetrieveInformationBlock":    "d8710fc9-6e29-481e-a7d5-165eb16f8471",
		"CountdownTimerBlock":         "d67a9c52-5e4e-11e2-bcfd-0800200c9a71",
	} {
		b, ok := Builtin().ByID(id)
		require.True(t, ok, name)
		require.Equal(t, name, b.Info().Name)
	}
	// AutoGPT's pin names, in and out.
	for name, pins := range map[string][2][]string{
		"UniversalTypeConverterBlock": {{"value", "type"}, {"value", "error"}},
		"CountItemsBlock":             {{"collection"}, {"count", "error"}},
		"XMLParserBlock":              {{"input_xml"}, {"parsed_xml", "error"}},
		"RemoveFromListBlock":         {{"list", "value", "index", "return_item"}, {"updated_list", "removed_item", "error"}},
		"ListIsEmptyBlock":            {{"list"}, {"is_empty", "error"}},
		"IfInputMatchesBlock":         {{"input", "value", "yes_value", "no_value"}, {"result", "yes_output", "no_output", "error"}},
		"PersistInformationBlock":     {{"key", "value", "scope"}, {"value", "error"}},
		"RetrieveInformationBlock":    {{"key", "scope", "default_value"}, {"value", "error"}},
		"CountdownTimerBlock":         {{"input_message", "seconds", "minutes", "hours", "days", "repeat"}, {"output_message", "error"}},
	} {
		id := blockID(t, name)
		require.Equal(t, pins[0], Builtin().InputPins(id), name)
		require.Equal(t, pins[1], Builtin().OutputPins(id), name)
	}
}
