package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/graphs"
	"github.com/agentgraph/agentgraph/internal/model"
)

// specFromInput converts a GraphInput; JSON fields must be objects.
func specFromInput(in gql.GraphInput) (*model.GraphSpec, error) {
	spec := &model.GraphSpec{Name: in.Name, Description: in.Description, IsTemplate: in.IsTemplate != nil && *in.IsTemplate}
	if len(in.Nodes) > graphs.MaxNodes {
		return nil, model.Invalid("nodes", "a graph holds at most %d nodes (got %d)", graphs.MaxNodes, len(in.Nodes))
	}
	for i, n := range in.Nodes {
		def, err := jsonObjectArg(fmt.Sprintf("nodes[%d].inputDefault", i), n.InputDefault)
		if err != nil {
			return nil, err
		}
		meta, err := jsonObjectArg(fmt.Sprintf("nodes[%d].metadata", i), n.Metadata)
		if err != nil {
			return nil, err
		}
		ns := model.NodeSpec{Key: n.Key, BlockID: n.BlockID, InputDefault: def, Metadata: meta}
		if n.Label != nil {
			ns.Label = *n.Label
		}
		if n.Position != nil {
			ns.X, ns.Y = n.Position.X, n.Position.Y
		}
		spec.Nodes = append(spec.Nodes, ns)
	}
	for _, l := range in.Links {
		spec.Links = append(spec.Links, model.LinkSpec{SourceKey: l.SourceKey, SinkKey: l.SinkKey, SourceName: l.SourceName,
			SinkName: l.SinkName, IsStatic: l.IsStatic != nil && *l.IsStatic})
	}
	return spec, nil
}

// jsonObjectArg decodes an optional JSON argument that must be an object,
// keeping numbers exact and bounding its size.
func jsonObjectArg(field string, raw []byte) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > graphs.MaxDefaultJSON {
		return nil, model.Invalid(field, "at most %d bytes", graphs.MaxDefaultJSON)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, model.Invalid(field, "must be a JSON object")
	}
	return m, nil
}

func (r *queryResolver) ValidateGraph(ctx context.Context, input gql.GraphInput) ([]*gql.GraphProblem, error) {
	if _, err := me(ctx); err != nil {
		return nil, err
	}
	spec, err := specFromInput(input)
	if err != nil {
		return nil, model.Within("input", err)
	}
	problems, err := r.GraphService.Validate(spec)
	if err != nil {
		return nil, model.Within("input", err)
	}
	out := make([]*gql.GraphProblem, len(problems))
	for i, p := range problems {
		out[i] = toProblem(p)
	}
	return out, nil
}

func (r *mutationResolver) CreateGraph(ctx context.Context, input gql.GraphInput) (*gql.Graph, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	spec, err := specFromInput(input)
	if err != nil {
		return nil, model.Within("input", err)
	}
	g, err := r.GraphService.Create(ctx, u.ID, spec)
	if err != nil {
		return nil, model.Within("input", err)
	}
	return r.primed(ctx, g), nil
}

func (r *mutationResolver) UpdateGraph(ctx context.Context, id string, input gql.GraphInput, activate *bool) (*gql.Graph, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := lookupGraph("id", id) // a version's id names its graph
	if err != nil {
		return nil, err
	}
	gid := ref.id
	spec, err := specFromInput(input)
	if err != nil {
		return nil, model.Within("input", err)
	}
	// A version id must name a version that exists, as everywhere else:
	// "G:v99" of a graph without version 99 is NOT_FOUND, not graph G.
	if ref.version != 0 {
		if _, err := r.GraphService.Get(ctx, u.ID, gid, ref.version); err != nil {
			return nil, err
		}
	}
	g, err := r.GraphService.Update(ctx, u.ID, gid, spec, activate == nil || *activate)
	if err != nil {
		return nil, model.Within("input", err)
	}
	return r.primed(ctx, g), nil
}

func (r *mutationResolver) SetActiveGraphVersion(ctx context.Context, id string, version int) (*gql.Graph, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	// A version's id names its graph and that version: the version
	// argument must agree with it, as everywhere a version id meets a
	// version argument (a contradiction is BAD_USER_INPUT).
	ref, err := lookupGraph("id", id)
	if err != nil {
		return nil, err
	}
	if version, err = ref.withVersion("version", &version); err != nil {
		return nil, err
	}
	g, err := r.GraphService.SetActive(ctx, u.ID, ref.id, version)
	if err != nil {
		return nil, err
	}
	return toGraph(g), nil
}

func (r *mutationResolver) DeleteGraph(ctx context.Context, id string) (bool, error) {
	u, err := me(ctx)
	if err != nil {
		return false, err
	}
	ref, err := lookupGraph("id", id) // a version's id names its graph: all of it goes
	if err != nil {
		return false, err
	}
	return true, r.GraphService.Delete(ctx, u.ID, ref.id)
}

func (r *mutationResolver) ForkGraph(ctx context.Context, id string, version *int, name *string) (*gql.Graph, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, v, err := graphVersionArg(id, version)
	if err != nil {
		return nil, err
	}
	g, err := r.GraphService.Fork(ctx, u.ID, gid, v, name)
	if err != nil {
		return nil, err
	}
	return r.primed(ctx, g), nil
}

// primed maps a just-stored graph and primes the loaders with its nodes and
// links, so the mutation's selection reads them without another query.
func (r *Resolver) primed(ctx context.Context, g *model.FullGraph) *gql.Graph {
	l := r.loaders(ctx)
	l.nodesByGraph.Prime(g.Key(), g.Nodes)
	l.linksByGraph.Prime(g.Key(), g.Links)
	return toGraph(&g.Graph)
}

func (r *queryResolver) Graph(ctx context.Context, id string, version *int) (*gql.Graph, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, v, err := graphVersionArg(id, version)
	if err != nil {
		return nil, err
	}
	g, err := r.GraphService.Get(ctx, u.ID, gid, v)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return toGraph(g), nil
}

func (r *queryResolver) Graphs(ctx context.Context, first *int, after *string, filter *gql.GraphFilter) (*gql.GraphConnection, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	n, cur, err := pageArgs(first, after)
	if err != nil {
		return nil, err
	}
	var f db.GraphFilter
	if filter != nil {
		if err := checkNameContains("filter.nameContains", filter.NameContains); err != nil {
			return nil, err
		}
		f.NameContains, f.IsTemplate, f.IsActive = filter.NameContains, filter.IsTemplate, filter.IsActive
	}
	gs, err := r.Store.GraphList(ctx, u.ID, f, cur, n+1)
	if err != nil {
		return nil, err
	}
	return graphConnection(gs, n, after != nil), nil
}

func (r *queryResolver) Templates(ctx context.Context, first *int, after *string, nameContains *string) (*gql.GraphConnection, error) {
	if _, err := me(ctx); err != nil {
		return nil, err
	}
	if err := checkNameContains("nameContains", nameContains); err != nil {
		return nil, err
	}
	n, cur, err := pageArgs(first, after)
	if err != nil {
		return nil, err
	}
	gs, err := r.Store.TemplateList(ctx, nameContains, cur, n+1)
	if err != nil {
		return nil, err
	}
	return graphConnection(gs, n, after != nil), nil
}

// checkNameContains bounds a name filter by the longest name: a longer
// substring matches nothing, and PostgreSQL's ILIKE costs its length times
// every name it scans (a 1 MB filter took minutes).
func checkNameContains(arg string, s *string) error {
	if s != nil && utf8.RuneCountInString(*s) > graphs.MaxNameLen {
		return model.Invalid(arg, "at most %d characters: no name is longer", graphs.MaxNameLen)
	}
	return nil
}

func pageArgs(first *int, after *string) (int, *db.Cursor, error) {
	n, err := db.PageSize(first, 20, 100)
	if err != nil {
		return 0, nil, err
	}
	cur, err := db.DecodeCursor(after)
	return n, cur, err
}

func graphConnection(gs []*model.Graph, n int, hasAfter bool) *gql.GraphConnection {
	key := func(g *model.Graph) db.Cursor { return db.Cursor{Time: g.CreatedAt, ID: g.ID} }
	page, info := paginate(gs, n, hasAfter, key)
	conn := &gql.GraphConnection{PageInfo: info, Edges: make([]*gql.GraphEdge, len(page))}
	for i, g := range page {
		conn.Edges[i] = &gql.GraphEdge{Cursor: key(g).Encode(), Node: toGraph(g)}
	}
	return conn
}
