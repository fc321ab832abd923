package db

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// TestDecodeNodeStatsAsJSON: the stats column reads as json.Unmarshal
// reads it, for what the engine writes (in jsonb's form) and for what it
// does not.
func TestDecodeNodeStatsAsJSON(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`{}`, ` { } `,
		`{"cost": 3, "node_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "block_name": "StoreValueBlock", "input_size": 20, "output_size": 10, "execution_time": 1.2e-05}`,
		`{"node_id":"n","block_name":"B","execution_time":0.5,"input_size":1,"output_size":2,"cost":0,"parent_node_execution_id":"p"}`,
		`{"block_name": "quote \" é \u00e9", "cost": 1}`,
		`{"cost": 1.5}`, `{"cost": "1"}`, `{"cost": null, "input_size": -4}`, `{"extra": {"a": [1]}, "cost": 2}`,
		`{"execution_time": 1E+3, "unknown": true}`, `{"Cost": 4, "BLOCK_NAME": "b"}`, `{"cost": 99999999999999999999}`, `[]`, `null`, `{"cost": 1,}`, `{"cost" 1}`,
	} {
		var want model.NodeExecutionStats
		_ = json.Unmarshal([]byte(raw), &want)
		var got model.NodeExecutionStats
		decodeNodeStats([]byte(raw), &got)
		require.Equal(t, want, got, raw)
	}
}
