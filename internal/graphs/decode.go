package graphs

import (
	"bytes"
	"encoding/json"
)

// decodeObject decodes a stored JSON object keeping numbers exact.
func decodeObject(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&m)
	return m
}
