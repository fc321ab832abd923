package graphs

import (
	"encoding/json"

	"github.com/agentgraph/agentgraph/internal/model"
)

// decodeObject decodes a stored JSON object keeping numbers exact.
func decodeObject(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	_ = model.DecodeExact(raw, &m)
	return m
}
