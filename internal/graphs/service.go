// Package graphs is the graph service: it checks ownership, limits and
// structure, then stores graphs and their versions through internal/db.
// Resolvers stay thin by calling it.
package graphs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphcheck"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Limits on what one graph may hold; beyond them a request is refused
// before anything is validated or written.
const (
	MaxNodes       = 5000
	MaxLinks       = 20000
	MaxNameLen     = 100
	MaxDescLen     = 500
	MaxKeyLen      = 100
	MaxPinLen      = 200
	MaxDefaultJSON = 256 << 10 // bytes of one node's defaults + metadata
)

// Service implements the graph operations of the API.
type Service struct {
	store *db.Store
	reg   *blocks.Registry
}

// New builds the service.
func New(store *db.Store, reg *blocks.Registry) *Service { return &Service{store: store, reg: reg} }

// Validate checks limits and structure without storing anything. Limit
// violations are an InputError; structural problems come back as a list.
func (s *Service) Validate(spec *model.GraphSpec) ([]model.Problem, error) {
	if err := checkLimits(spec); err != nil {
		return nil, err
	}
	return graphcheck.Validate(spec, s.reg), nil
}

// validOrError validates spec, to be stored as graph id (uuid.Nil for a
// new graph, which no node can name yet).
func (s *Service) validOrError(spec *model.GraphSpec, id uuid.UUID) error {
	problems, err := s.Validate(spec)
	if err != nil {
		return err
	}
	if id != uuid.Nil {
		problems = append(problems, graphcheck.RunsItself(spec, id, s.reg)...)
	}
	if len(problems) > 0 {
		return &model.ValidationError{Problems: problems}
	}
	return nil
}

// Create stores a new graph (version 1, active).
func (s *Service) Create(ctx context.Context, userID uuid.UUID, spec *model.GraphSpec) (*model.FullGraph, error) {
	if err := s.validOrError(spec, uuid.Nil); err != nil {
		return nil, err
	}
	return s.store.GraphSaveSpec(ctx, userID, spec, db.GraphSave{})
}

// Update stores spec as a new version of the user's graph id.
func (s *Service) Update(ctx context.Context, userID, id uuid.UUID, spec *model.GraphSpec, activate bool) (*model.FullGraph, error) {
	if err := s.validOrError(spec, id); err != nil {
		return nil, err
	}
	return s.store.GraphSaveSpec(ctx, userID, spec, db.GraphSave{ID: id, Activate: activate})
}

// SetActive makes version the active version of the user's graph.
func (s *Service) SetActive(ctx context.Context, userID, id uuid.UUID, version int) (*model.Graph, error) {
	return s.store.GraphSetActive(ctx, userID, id, version)
}

// Delete removes every version of the user's graph and its runs; a graph
// with a run not yet ended is a CONFLICT (db.Store.GraphDelete).
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	ok, err := s.store.GraphDelete(ctx, userID, id)
	if err != nil {
		return err
	}
	if !ok {
		return model.NotFound("graph")
	}
	return nil
}

// Get returns a version (0 = active) the user may read: their own, or a template.
func (s *Service) Get(ctx context.Context, userID, id uuid.UUID, version int) (*model.Graph, error) {
	g, err := s.store.GraphGet(ctx, id, version)
	if err != nil {
		return nil, err
	}
	if !Readable(g, userID) {
		return nil, model.NotFound("graph")
	}
	return g, nil
}

// Load is Get with the version's nodes and links.
func (s *Service) Load(ctx context.Context, userID, id uuid.UUID, version int) (*model.FullGraph, error) {
	g, err := s.Get(ctx, userID, id, version)
	if err != nil {
		return nil, err
	}
	return s.store.GraphLoad(ctx, g.ID, g.Version)
}

// Readable: owners read every version; others only template versions.
func Readable(g *model.Graph, userID uuid.UUID) bool {
	return g.UserID == userID || g.IsTemplate
}

// Fork copies a readable graph version into a new graph owned by the user.
func (s *Service) Fork(ctx context.Context, userID, id uuid.UUID, version int, name *string) (*model.FullGraph, error) {
	full, err := s.Load(ctx, userID, id, version)
	if err != nil {
		return nil, err
	}
	src := &full.Graph
	spec := SpecFromGraph(full)
	spec.IsTemplate = false
	from := db.GraphSave{ForkedFromID: &src.ID, ForkedFromVersion: &src.Version}
	if name != nil {
		spec.Name = *name
		if err := s.validOrError(spec, uuid.Nil); err != nil {
			return nil, err
		}
		return s.store.GraphSaveSpec(ctx, userID, spec, from)
	}
	// A default name must not make the fork fail: forking the same
	// template twice, or one's own graph again, takes the next free one.
	own := src.UserID == userID
	spec.Name = forkName(src.Name, own, 0)
	if err := s.validOrError(spec, uuid.Nil); err != nil {
		return nil, err
	}
	for try := 1; ; try++ {
		g, err := s.store.GraphSaveSpec(ctx, userID, spec, from)
		if !errors.Is(err, model.ErrConflict) || try == maxForkNameTries {
			return g, err
		}
		spec.Name = forkName(src.Name, own, try)
	}
}

// maxForkNameTries bounds the names a fork without one tries.
const maxForkNameTries = 50

// forkName is the try-th default name of a fork of a graph named base: the
// name itself for another's template, then "base (copy)", "base (copy 2)" …,
// base cut so that the suffix fits in MaxNameLen.
func forkName(base string, own bool, try int) string {
	if own {
		try++
	}
	suffix := ""
	switch {
	case try == 1:
		suffix = " (copy)"
	case try > 1:
		suffix = fmt.Sprintf(" (copy %d)", try)
	}
	return truncate(base, MaxNameLen-utf8.RuneCountInString(suffix)) + suffix
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// checkLimits refuses oversized or malformed specs with a clear field error.
func checkLimits(spec *model.GraphSpec) error {
	spec.Name = strings.TrimSpace(spec.Name)
	if spec.Name == "" || utf8.RuneCountInString(spec.Name) > MaxNameLen {
		return model.Invalid("name", "must be 1 to %d characters", MaxNameLen)
	}
	if spec.Description != nil && utf8.RuneCountInString(*spec.Description) > MaxDescLen {
		return model.Invalid("description", "at most %d characters", MaxDescLen)
	}
	if len(spec.Nodes) > MaxNodes {
		return model.Invalid("nodes", "a graph holds at most %d nodes (got %d)", MaxNodes, len(spec.Nodes))
	}
	if len(spec.Links) > MaxLinks {
		return model.Invalid("links", "a graph holds at most %d links (got %d)", MaxLinks, len(spec.Links))
	}
	for i, n := range spec.Nodes {
		if n.Key == "" || utf8.RuneCountInString(n.Key) > MaxKeyLen {
			return model.Invalid(fmt.Sprintf("nodes[%d].key", i), "must be 1 to %d characters", MaxKeyLen)
		}
		if utf8.RuneCountInString(n.Label) > MaxKeyLen {
			return model.Invalid(fmt.Sprintf("nodes[%d].label", i), "at most %d characters", MaxKeyLen)
		}
	}
	for i, l := range spec.Links {
		for _, p := range []string{l.SourceName, l.SinkName} {
			if p == "" || len(p) > MaxPinLen {
				return model.Invalid(fmt.Sprintf("links[%d]", i), "pin names must be 1 to %d characters", MaxPinLen)
			}
		}
	}
	return nil
}

// SpecFromGraph turns a stored graph back into a spec (for forks and re-validation).
func SpecFromGraph(g *model.FullGraph) *model.GraphSpec {
	spec := &model.GraphSpec{Name: g.Name, Description: g.Description, IsTemplate: g.IsTemplate}
	keyOf := make(map[uuid.UUID]string, len(g.Nodes))
	for _, n := range g.Nodes {
		keyOf[n.ID] = n.Key
		spec.Nodes = append(spec.Nodes, model.NodeSpec{Key: n.Key, BlockID: n.BlockID.String(), Label: n.Label,
			InputDefault: decodeObject(n.InputDefault), Metadata: decodeObject(n.Metadata), X: n.X, Y: n.Y})
	}
	for _, l := range g.Links {
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: keyOf[l.SourceID], SinkKey: keyOf[l.SinkID],
			SourceName: l.SourceName, SinkName: l.SinkName, IsStatic: l.IsStatic})
	}
	return spec
}
