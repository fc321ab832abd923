package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// nodeRunner is blocks.NodeRunner for one running node execution (the
// parent): it runs a node the parent links as a tool, as a child node
// execution of the same run. The child is an ordinary node execution —
// QUEUED, charged, RUNNING, stored, its events published — with two
// differences: what it yields is handed back to the parent instead of
// routed along its links, and its failure is the parent's to handle (it
// neither reaches its error pin's links nor ends the run). Its row names
// its parent (NodeExecutionStats.ParentNodeExecutionID), so a resumed run
// keeps it out of the routing too.
type nodeRunner struct {
	r      *run
	parent *nodeExec
}

func (nr *nodeRunner) RunNode(ctx context.Context, nodeID string, input map[string]any) (map[string][]any, error) {
	r, p := nr.r, nr.parent
	id, err := uuid.Parse(nodeID)
	if err != nil {
		return nil, fmt.Errorf("node id %q is not a node id", nodeID)
	}
	n := r.g.nodes[id]
	if n == nil || !p.n.linksTool(n) {
		// Only the nodes linked from the parent's tool pins: a block may
		// not run arbitrary nodes of the graph.
		return nil, fmt.Errorf("node %s is not linked from node %s's tool pins", nodeID, p.n.key)
	}
	r.mu.Lock()
	if r.stopping || r.closed {
		r.mu.Unlock()
		return nil, errStopped
	}
	if limit := r.e.opts.MaxNodeExecutions; r.nexecs >= limit {
		r.mu.Unlock()
		return nil, fmt.Errorf("the run reached its limit of %d node executions", limit)
	}
	x := r.newExec(n)
	x.parent = p.id
	done := make(chan struct{})
	x.done = done
	x.linked = maps.Clone(input)
	if x.linked == nil {
		x.linked = map[string]any{}
	}
	r.promote(x)
	r.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	outs := make(map[string][]any, len(x.outputs))
	for pin, raws := range x.outputs {
		if pin == blocks.ErrorPin {
			continue
		}
		for _, raw := range raws {
			var v any
			_ = json.Unmarshal(raw, &v)
			outs[pin] = append(outs[pin], v)
		}
	}
	if x.status != model.StatusCompleted {
		msg := string(x.status)
		if x.errMsg != nil {
			msg += ": " + *x.errMsg
		}
		return outs, errors.New("node " + n.key + " (" + n.info.Name + ") " + msg)
	}
	return outs, nil
}

// linksTool reports whether n links sink from a tool pin.
func (n *gnode) linksTool(sink *gnode) bool {
	for _, t := range n.tools {
		if t.NodeID == sink.idStr {
			return true
		}
	}
	return false
}

// waitsForChildren reports whether x's block may wait for child node
// executions (a node with tool links): such a block runs on its own
// goroutine, not a pool worker, so that its children always find one.
func (x *nodeExec) waitsForChildren() bool { return len(x.n.tools) > 0 }
