package resolvers

import (
	"context"

	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/autogpt"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
)

// autogptService imports and exports AutoGPT documents; AUTOGPT is the only
// GraphFormat, so the format argument needs no dispatch yet.
func (r *Resolver) autogptService() *autogpt.Service {
	return &autogpt.Service{Graphs: r.GraphService, Registry: r.Registry}
}

func (r *mutationResolver) ImportGraph(ctx context.Context, _ gql.GraphFormat, document gqlscalar.JSON, name *string) (*gql.ImportGraphResult, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	res, err := r.autogptService().Import(ctx, u.ID, document.Raw(), name)
	if err != nil {
		return nil, err
	}
	out := &gql.ImportGraphResult{Graph: r.primed(ctx, res.Graph), SubGraphs: []*gql.Graph{},
		Report: make([]*gql.ImportReportEntry, len(res.Report))}
	for _, g := range res.SubGraphs {
		out.SubGraphs = append(out.SubGraphs, r.primed(ctx, g))
	}
	for i, e := range res.Report {
		out.Report[i] = toReportEntry(e)
	}
	return out, nil
}

func toReportEntry(e autogpt.Entry) *gql.ImportReportEntry {
	out := &gql.ImportReportEntry{Kind: gql.ImportReportKind(e.Kind), GraphRef: e.Graph, Message: e.Message,
		NodeRef: optional(e.Node), LinkRef: optional(e.Link), BlockName: optional(e.Block), Pin: optional(e.Pin)}
	if e.Problem != "" {
		code := gql.GraphProblemCode(e.Problem)
		out.Problem = &code
	}
	return out
}

// optional is s, or nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *queryResolver) ExportGraph(ctx context.Context, id string, version *int, _ gql.GraphFormat) (gqlscalar.JSON, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, v, err := graphVersionArg(id, version)
	if err != nil {
		return nil, err
	}
	doc, err := r.autogptService().Export(ctx, u.ID, gid, v)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return gqlscalar.JSON(doc), nil
}
