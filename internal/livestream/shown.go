package livestream

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/model"
)

// What a consumer shows with an event beyond the event itself: the node it
// concerns (its key, label, block) and, at the run's end, the run's
// outputs. Events carry neither (they would cross Redis to every API
// process with every event, wanted or not) — but for a run's small outputs,
// which its terminal event carries (events.Event.Outputs) — so they are read from Postgres
// on the consumer's delivery path, never on the hub's callback, and only
// once per process: every stream of a run, whoever watches it, shares one
// read of its graph version's nodes and one read of its outputs at the end.
// Both never change once read (graph versions are immutable; an ended run
// is final), so the reads are cached without invalidation.

// Default budgets of the shared reads, in bytes of the values they hold.
// A graph version is at most a few MiB (a request body's limit), so the
// nodes budget holds the versions of many runs at once; outputs only need
// to outlive the moment every stream of a run shows its end.
const (
	DefaultNodesBudget   = 64 << 20
	DefaultOutputsBudget = 16 << 20
)

// nodeOverhead is what one cached node costs beyond its strings and JSON
// (the struct, its map entry), for the budget.
const nodeOverhead = 256

// graphNodes is one graph version's nodes by id.
type graphNodes map[uuid.UUID]*model.Node

func (s *Streams) readNodes(ctx context.Context, k model.GraphKey) (graphNodes, int, bool, error) {
	m, err := s.store.NodesByGraphs(ctx, []model.GraphKey{k})
	if err != nil {
		return nil, 0, false, err
	}
	list := m[k]
	nodes, size := make(graphNodes, len(list)), 0
	for i := range list {
		n := &list[i]
		nodes[n.ID] = n
		size += nodeOverhead + len(n.Key) + len(n.Label) + len(n.InputDefault) + len(n.Metadata)
	}
	return nodes, size, true, nil
}

// Node returns node id of graph version k, read with all the version's
// nodes once per process (model.ErrNotFound when the version has no such
// node). Every event of every run of the version is shown from that one
// read.
func (s *Streams) Node(ctx context.Context, k model.GraphKey, id uuid.UUID) (*model.Node, error) {
	nodes, err := s.nodes.get(ctx, k)
	if err != nil {
		return nil, err
	}
	n, ok := nodes[id]
	if !ok {
		return nil, model.NotFound("node")
	}
	return n, nil
}

func (s *Streams) readOutputs(ctx context.Context, id uuid.UUID) (json.RawMessage, int, bool, error) {
	status, outputs, err := s.store.ExecutionOutputs(ctx, id)
	if err != nil {
		return nil, 0, false, err
	}
	// Only an ended run's outputs are final. The terminal event is published
	// after its commit, so a run read for it has always ended; anything
	// else is answered as read and not kept.
	return outputs, len(outputs), status.IsTerminal(), nil
}

// EndOutputs returns the outputs of run id once it has ended (a JSON object
// of output name → list of values), read once per process for every
// stream that shows the run's end. Call it for a run known to have ended
// (its terminal event arrived): a run still going is read each time.
func (s *Streams) EndOutputs(ctx context.Context, id uuid.UUID) (json.RawMessage, error) {
	return s.outputs.get(ctx, id)
}
