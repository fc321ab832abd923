package editorbench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentgraph/agentgraph/cmd/agentgraph-bench/internal/livebench"
	"github.com/agentgraph/agentgraph/internal/auth"
	"github.com/agentgraph/agentgraph/internal/db"
)

// layerWidth is the number of nodes per layer of the bench's graph.
const layerWidth = 10

// newUser creates the bench's user and an API key for it. The API has no
// sign-up (`agentgraph user create` does this), so this is the one thing
// written to the database directly; everything else goes through the API.
func newUser(ctx context.Context, pool *pgxpool.Pool) (apiKey string, err error) {
	secret, prefix, hash := auth.NewAPIKey()
	err = db.New(pool).InTx(ctx, func(tx *db.Store) error {
		u, err := tx.UserCreate(ctx, db.NewUser{Email: "editorbench-" + livebench.RandomHex(6) + "@example.com"})
		if err != nil {
			return err
		}
		_, err = tx.APIKeyCreate(ctx, u.ID, "agentgraph-bench editor", prefix, hash)
		return err
	})
	return secret, err
}

// graphInput is a layered DAG of nodes StoreValueBlocks, layerWidth per
// layer: node j of each layer after the first takes its `input` from node j
// of the layer before, and the first links-(nodes-layerWidth) of them also
// their `data` from node j+1 of the layer before. The first layer's nodes
// have an input default and no incoming link, so they start the run; every
// node then runs exactly once, when its linked pins hold their values.
func graphInput(name string, nodes, links int) (map[string]any, error) {
	if nodes <= layerWidth {
		return nil, fmt.Errorf("--nodes must be more than %d", layerWidth)
	}
	extra := links - (nodes - layerWidth)
	if extra < 0 || extra > nodes-layerWidth {
		return nil, fmt.Errorf("--links must be between %d and %d for %d nodes", nodes-layerWidth, 2*(nodes-layerWidth), nodes)
	}
	key := func(i int) string { return fmt.Sprintf("n%d", i) }
	ns := make([]map[string]any, nodes)
	var ls []map[string]any
	for i := range nodes {
		layer, col := i/layerWidth, i%layerWidth
		n := map[string]any{
			"key": key(i), "blockId": "StoreValueBlock", "label": fmt.Sprintf("L%d · %d", layer, col),
			"position": map[string]any{"x": col * 220, "y": layer * 140},
			"metadata": map[string]any{"color": fmt.Sprintf("#%02x%02x%02x", 40+layer*4, 120+col*10, 200), "collapsed": false},
		}
		if layer == 0 {
			n["inputDefault"] = map[string]any{"input": fmt.Sprintf("seed %d", col)}
		} else {
			ls = append(ls, map[string]any{"sourceKey": key(i - layerWidth), "sourceName": "output", "sinkKey": key(i), "sinkName": "input"})
			if i-layerWidth < extra {
				up := (layer-1)*layerWidth + (col+1)%layerWidth
				ls = append(ls, map[string]any{"sourceKey": key(up), "sourceName": "output", "sinkKey": key(i), "sinkName": "data"})
			}
		}
		ns[i] = n
	}
	return map[string]any{"name": name, "description": "agentgraph-bench editor: a layered DAG", "nodes": ns, "links": ls}, nil
}

const (
	createGraphOp = `mutation($in: GraphInput!) { createGraph(input: $in) { id nodes { id } links { id } } }`
	executeOp     = `mutation($g: ID!) { executeGraph(graphId: $g) { id } }`
	executionOp   = `query($id: ID!) { execution(id: $id) { status errorMessage stats { nodeExecutions completedNodeExecutions } } }`
)

// built is what the fixture made through the API.
type built struct {
	graphID, executionID string
	nodeExecutions       int
	took                 time.Duration
}

// build creates the graph and runs it to its end, through the API.
func build(ctx context.Context, c *client, nodes, links int) (*built, error) {
	start := time.Now()
	in, err := graphInput("editor-bench-"+livebench.RandomHex(4), nodes, links)
	if err != nil {
		return nil, err
	}
	var g struct {
		ID    string
		Nodes []struct{ ID string }
		Links []struct{ ID string }
	}
	if err := c.do(ctx, createGraphOp, map[string]any{"in": in}, "createGraph", &g); err != nil {
		return nil, fmt.Errorf("createGraph: %w", err)
	}
	if len(g.Nodes) != nodes || len(g.Links) != links {
		return nil, fmt.Errorf("createGraph stored %d nodes and %d links, want %d and %d", len(g.Nodes), len(g.Links), nodes, links)
	}
	var ex struct{ ID string }
	if err := c.do(ctx, executeOp, map[string]any{"g": g.ID}, "executeGraph", &ex); err != nil {
		return nil, fmt.Errorf("executeGraph: %w", err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var e struct {
			Status       string
			ErrorMessage *string
			Stats        struct{ NodeExecutions, CompletedNodeExecutions int }
		}
		if err := c.do(ctx, executionOp, map[string]any{"id": ex.ID}, "execution", &e); err != nil {
			return nil, fmt.Errorf("execution: %w", err)
		}
		switch e.Status {
		case "QUEUED", "RUNNING":
		case "COMPLETED":
			if e.Stats.CompletedNodeExecutions != nodes {
				return nil, fmt.Errorf("the run completed %d node executions, want %d", e.Stats.CompletedNodeExecutions, nodes)
			}
			return &built{graphID: g.ID, executionID: ex.ID, nodeExecutions: e.Stats.NodeExecutions, took: time.Since(start)}, nil
		default:
			msg := ""
			if e.ErrorMessage != nil {
				msg = *e.ErrorMessage
			}
			return nil, fmt.Errorf("the run ended %s: %s", e.Status, msg)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the run is still %s after 2 minutes", e.Status)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
