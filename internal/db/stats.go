package db

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/agentgraph/agentgraph/internal/model"
)

// decodeNodeStats reads a node execution's stats column. The engine writes
// it as a flat object of strings and numbers, which Postgres hands back in
// its jsonb form; reading that without encoding/json's reflection matters
// when a request reads a whole run's node executions (the editor's reads
// 500). Anything else (an escape in a string, a nested value, a number
// out of a field's range) is left to json.Unmarshal, as before.
func decodeNodeStats(raw []byte, s *model.NodeExecutionStats) {
	if !decodeFlatStats(raw, s) {
		*s = model.NodeExecutionStats{}
		_ = json.Unmarshal(raw, s)
	}
}

func decodeFlatStats(raw []byte, s *model.NodeExecutionStats) bool {
	i := 0
	space := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(raw) || raw[i] != '"' {
			return "", false
		}
		start := i + 1
		for j := start; j < len(raw); j++ {
			switch c := raw[j]; {
			case c == '"':
				i = j + 1
				return string(raw[start:j]), true
			case c == '\\' || c < 0x20:
				return "", false
			}
		}
		return "", false
	}
	number := func() (string, bool) {
		start := i
		for i < len(raw) && (raw[i] >= '0' && raw[i] <= '9' || raw[i] == '-' || raw[i] == '+' || raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E') {
			i++
		}
		return string(raw[start:i]), i > start
	}
	space()
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i++
	space()
	if i < len(raw) && raw[i] == '}' {
		i++
		space()
		return i == len(raw)
	}
	for {
		space()
		key, ok := str()
		if !ok {
			return false
		}
		space()
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i++
		space()
		if i < len(raw) && raw[i] == '"' {
			v, ok := str()
			if !ok {
				return false
			}
			switch key {
			case "node_id":
				s.NodeID = v
			case "block_name":
				s.BlockName = v
			case "parent_node_execution_id":
				s.ParentNodeExecutionID = v
			case "execution_time", "input_size", "output_size", "cost":
				return false // a string where a number goes: json.Unmarshal says what happens
			default:
				if foldsToField(key) {
					return false
				}
			}
		} else {
			v, ok := number()
			if !ok {
				return false // true, false, null, an object, an array
			}
			var err error
			switch key {
			case "execution_time":
				s.ExecutionTime, err = strconv.ParseFloat(v, 64)
			case "input_size":
				s.InputSize, err = strconv.ParseInt(v, 10, 64)
			case "output_size":
				s.OutputSize, err = strconv.ParseInt(v, 10, 64)
			case "cost":
				s.Cost, err = strconv.ParseInt(v, 10, 64)
			case "node_id", "block_name", "parent_node_execution_id":
				return false
			default:
				if foldsToField(key) {
					return false
				}
			}
			if err != nil {
				return false
			}
		}
		space()
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case ',':
			i++
		case '}':
			i++
			space()
			return i == len(raw)
		default:
			return false
		}
	}
}

// foldsToField reports a key that is not a field's name but that
// encoding/json would still match to one (it ignores case).
func foldsToField(key string) bool {
	for _, f := range []string{"node_id", "block_name", "execution_time", "input_size", "output_size", "cost", "parent_node_execution_id"} {
		if strings.EqualFold(key, f) {
			return true
		}
	}
	return false
}
