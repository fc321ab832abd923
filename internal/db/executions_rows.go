package db

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/jsonappend"
	"github.com/agentgraph/agentgraph/internal/model"
)

// marshalNodeWrites is json.Marshal(rows), byte for byte, without
// reflection: a group commit's node executions are most of its rows (a
// run's every node, inserted and updated), and encoding/json took a
// twentieth of a serving process's CPU encoding them. A row it does not
// encode itself (jsonappend declines it) sends the whole slice to
// encoding/json, which also gives the errors.
func marshalNodeWrites(rows []NodeExecutionWrite) ([]byte, error) {
	b := make([]byte, 0, 512*len(rows))
	b = append(b, '[')
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendNodeWrite(b, &rows[i]); !ok {
			return json.Marshal(rows)
		}
	}
	return append(b, ']'), nil
}

func appendNodeWrite(b []byte, n *NodeExecutionWrite) ([]byte, bool) {
	ok := true
	b = appendUUID(append(b, `{"id":`...), n.ID)
	b = appendUUID(append(b, `,"graph_execution_id":`...), n.GraphExecutionID)
	b = appendUUID(append(b, `,"node_id":`...), n.NodeID)
	if n.PrevStatus != "" {
		b = jsonappend.String(append(b, `,"prev_status":`...), string(n.PrevStatus))
	}
	b = jsonappend.String(append(b, `,"status":`...), string(n.Status))
	if len(n.Inputs) > 0 {
		if b, ok = jsonappend.Raw(append(b, `,"inputs":`...), n.Inputs); !ok {
			return b, false
		}
	}
	if len(n.Outputs) > 0 {
		if b, ok = jsonappend.Raw(append(b, `,"outputs":`...), n.Outputs); !ok {
			return b, false
		}
	}
	if b, ok = jsonappend.Time(append(b, `,"created_at":`...), n.CreatedAt); !ok {
		return b, false
	}
	if b, ok = appendTimePtr(append(b, `,"started_at":`...), n.StartedAt); !ok {
		return b, false
	}
	if b, ok = appendTimePtr(append(b, `,"ended_at":`...), n.EndedAt); !ok {
		return b, false
	}
	b = append(b, `,"error_message":`...)
	if n.ErrorMessage == nil {
		b = append(b, "null"...)
	} else {
		b = jsonappend.String(b, *n.ErrorMessage)
	}
	if n.Stats != nil {
		if b, ok = appendNodeStats(append(b, `,"stats":`...), n.Stats); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

func appendNodeStats(b []byte, s *model.NodeExecutionStats) ([]byte, bool) {
	ok := true
	b = jsonappend.String(append(b, `{"node_id":`...), s.NodeID)
	b = jsonappend.String(append(b, `,"block_name":`...), s.BlockName)
	if b, ok = jsonappend.Float(append(b, `,"execution_time":`...), s.ExecutionTime); !ok {
		return b, false
	}
	b = strconv.AppendInt(append(b, `,"input_size":`...), s.InputSize, 10)
	b = strconv.AppendInt(append(b, `,"output_size":`...), s.OutputSize, 10)
	b = strconv.AppendInt(append(b, `,"cost":`...), s.Cost, 10)
	if s.ParentNodeExecutionID != "" {
		b = jsonappend.String(append(b, `,"parent_node_execution_id":`...), s.ParentNodeExecutionID)
	}
	return append(b, '}'), true
}

// appendUUID appends id quoted, in its canonical form (its MarshalText).
func appendUUID(b []byte, id uuid.UUID) []byte {
	b = append(b, '"')
	b = hex.AppendEncode(b, id[:4])
	b = hex.AppendEncode(append(b, '-'), id[4:6])
	b = hex.AppendEncode(append(b, '-'), id[6:8])
	b = hex.AppendEncode(append(b, '-'), id[8:10])
	b = hex.AppendEncode(append(b, '-'), id[10:])
	return append(b, '"')
}

func appendTimePtr(b []byte, t *time.Time) ([]byte, bool) {
	if t == nil {
		return append(b, "null"...), true
	}
	return jsonappend.Time(b, *t)
}
