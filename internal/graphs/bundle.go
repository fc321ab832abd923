package graphs

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// BundleGraph is one graph of a set stored together: an imported agent and
// the sub-agents its AGENT nodes run.
type BundleGraph struct {
	Spec *model.GraphSpec
	// Runs names, by node key, the AGENT nodes that run an earlier graph of
	// the bundle (by its index): their graph_id and graph_version defaults
	// are set to that graph once it is stored.
	Runs map[string]int
}

// Stored is what CreateBundle made of one BundleGraph.
type Stored struct {
	Graph *model.FullGraph
	// Problems are the validation problems the graph was stored with: it
	// does not run until they are fixed (executeGraph refuses a cycle).
	Problems []model.Problem
	// Renamed: the spec's name was taken by another of the user's graphs,
	// so the graph's name has a suffix.
	Renamed bool
}

// maxRenames bounds the retries when another request takes the name that
// was found free.
const maxRenames = 5

// CreateBundle stores the bundle's graphs in order, in one transaction:
// all of them or none. Unlike Create, a graph is stored with the problems
// validation finds, so that an agent brought from elsewhere can be fixed
// here, except those that leave nothing sound to store (unknown blocks,
// links to missing nodes, duplicate node keys, no node): those refuse the
// whole bundle with a ValidationError. A name already taken gets a suffix
// (" (2)", " (3)", …) instead of a conflict.
func (s *Service) CreateBundle(ctx context.Context, userID uuid.UUID, bundle []BundleGraph) ([]Stored, error) {
	out := make([]Stored, len(bundle))
	err := s.store.InTx(ctx, func(tx *db.Store) error {
		for i, bg := range bundle {
			for key, j := range bg.Runs {
				if j < 0 || j >= i {
					return fmt.Errorf("bundle graph %d: node %q runs graph %d, which is not stored before it", i, key, j)
				}
				rewire(bg.Spec, key, out[j].Graph)
			}
			problems, err := s.Validate(bg.Spec)
			if err != nil {
				return err
			}
			if blocking := unstorable(bg.Spec, problems); len(blocking) > 0 {
				return &model.ValidationError{Problems: blocking}
			}
			g, renamed, err := saveFreeName(ctx, tx, userID, bg.Spec)
			if err != nil {
				return err
			}
			out[i] = Stored{Graph: g, Problems: problems, Renamed: renamed}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rewire points the AGENT node key of spec at graph g (its id and version).
func rewire(spec *model.GraphSpec, key string, g *model.FullGraph) {
	for i := range spec.Nodes {
		if n := &spec.Nodes[i]; n.Key == key {
			if n.InputDefault == nil {
				n.InputDefault = map[string]any{}
			}
			n.InputDefault["graph_id"] = g.ID.String()
			n.InputDefault["graph_version"] = g.Version
		}
	}
}

// unstorable are the problems that leave no sound graph to store: a node
// whose block does not exist (nodes reference blocks; a node of
// UnavailableBlock, which stands for a missing block, is stored), a link
// whose node does not, two nodes with one key (links could not tell them
// apart), or no node at all.
func unstorable(spec *model.GraphSpec, problems []model.Problem) []model.Problem {
	standIn := map[string]bool{}
	for _, n := range spec.Nodes {
		if n.BlockID == blocks.UnavailableBlockID {
			standIn[n.Key] = true
		}
	}
	var out []model.Problem
	for _, p := range problems {
		switch p.Code {
		case model.ProblemUnknownBlock:
			if len(p.NodeKeys) == 1 && standIn[p.NodeKeys[0]] {
				continue
			}
			out = append(out, p)
		case model.ProblemUnknownNode, model.ProblemDuplicateName, model.ProblemNoNodes:
			out = append(out, p)
		}
	}
	return out
}

// saveFreeName stores spec as a new graph under its name, or the first
// free "name (n)" when the user has an active graph of that name.
func saveFreeName(ctx context.Context, tx *db.Store, userID uuid.UUID, spec *model.GraphSpec) (*model.FullGraph, bool, error) {
	base := spec.Name
	taken, err := namesLike(ctx, tx, userID, base)
	if err != nil {
		return nil, false, err
	}
	for range maxRenames {
		spec.Name = freeName(base, taken)
		g, err := tx.GraphSaveSpec(ctx, userID, spec, db.GraphSave{})
		if errors.Is(err, model.ErrConflict) {
			taken[spec.Name] = true // taken meanwhile by a concurrent request
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return g, spec.Name != base, nil
	}
	return nil, false, model.ConflictError("no free name for %q: try again", base)
}

// namesLike are the names of the user's active graphs that contain base.
func namesLike(ctx context.Context, tx *db.Store, userID uuid.UUID, base string) (map[string]bool, error) {
	gs, err := tx.GraphList(ctx, userID, db.GraphFilter{NameContains: &base}, nil, 1000)
	if err != nil {
		return nil, err
	}
	taken := make(map[string]bool, len(gs))
	for _, g := range gs {
		taken[g.Name] = true
	}
	return taken, nil
}

// freeName is base, or base with the first suffix " (n)" not taken, cut
// so that the whole stays within MaxNameLen.
func freeName(base string, taken map[string]bool) string {
	if !taken[base] {
		return base
	}
	for n := 2; ; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		name := truncate(base, MaxNameLen-len(suffix)) + suffix
		if !taken[name] {
			return name
		}
	}
}
