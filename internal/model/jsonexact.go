package model

import (
	"bytes"
	"encoding/json"
)

// DecodeExact decodes JSON into v keeping numbers exact (json.Number), as
// the API decodes what it is given: what was stored comes back as it was
// given, an integer past 2^53 not rounded.
func DecodeExact(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
