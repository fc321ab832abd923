package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	gql "github.com/agentgraph/agentgraph/graph/model"
	"github.com/agentgraph/agentgraph/internal/authz"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/gqlscalar"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Runs is what the API needs of the engine.
type Runs interface {
	Submit(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext) (*model.GraphExecution, error)
	Cancel(ctx context.Context, userID, executionID uuid.UUID) (*model.GraphExecution, error)
	// Rerun starts a new run of what one of the user's runs ran, with its stored inputs.
	Rerun(ctx context.Context, userID, executionID uuid.UUID) (*model.GraphExecution, error)
	// SubmitWith is Submit with executeGraph's options (maxCost, logLevel).
	SubmitWith(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext, o model.RunOptions) (*model.GraphExecution, error)
	// Estimate prices a run of one of the user's graphs.
	Estimate(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any) (*model.CostEstimate, error)
	// CostsFor is a block's costs in force (operator-set, else code); code is the code's.
	CostsFor(blockID string, code []blocks.Cost) []blocks.Cost
	// ReloadCosts puts block costs just set in force at once.
	ReloadCosts(ctx context.Context) error
}

// toStoredExecution maps a run as stored; the API shows runs through
// Resolver.toExecution, which masks secret inputs (secrets.go).
func toStoredExecution(e *model.GraphExecution) *gql.GraphExecution {
	prefs, _ := json.Marshal(e.UserContext.Preferences)
	if e.UserContext.Preferences == nil {
		prefs = []byte("{}")
	}
	tz, loc := e.UserContext.Timezone, e.UserContext.Locale
	if tz == "" {
		tz = "UTC"
	}
	if loc == "" {
		loc = "en-US"
	}
	st := e.Stats
	return &gql.GraphExecution{
		ID: e.ID.String(), GraphID: e.GraphID.String(), GraphVersion: e.GraphVersion, UserID: e.UserID.String(),
		Status: gql.ExecutionStatus(e.Status), Inputs: jsonOr(e.Inputs, "{}"), Outputs: jsonOr(e.Outputs, "{}"),
		CreatedAt: e.CreatedAt, StartedAt: e.StartedAt, EndedAt: e.EndedAt, ErrorMessage: e.ErrorMessage,
		Stats: &gql.ExecutionStats{TotalNodes: st.TotalNodes, CompletedNodes: st.CompletedNodes, FailedNodes: st.FailedNodes,
			NodeExecutions: st.NodeExecutions, CompletedNodeExecutions: st.CompletedNodeExecutions,
			FailedNodeExecutions: st.FailedNodeExecutions, CancelledNodeExecutions: st.CancelledNodeExecutions,
			TotalCost: int32Int(st.TotalCost), ExecutionTime: st.ExecutionTime, SuccessRate: st.SuccessRate()},
		UserContext: &gql.UserContext{Timezone: tz, Locale: loc, Preferences: gqlscalar.JSON(prefs),
			LocalTime: e.UserContext.LocalTime(time.Now())},
		IsShared: e.IsShared, ShareToken: e.ShareToken, Duration: seconds(e.Duration(time.Now())),
		IsRunning: e.IsRunning(), CanBeCancelled: e.CanBeCancelled(), LastSeq: int(e.LastSeq),
		IsSuccessful: e.Status == model.StatusCompleted,
		Trigger:      toTrigger(e.Trigger), LogLevel: runLogLevel(e.LogLevel),
	}
}

func toNodeExecution(n *model.NodeExecution) *gql.NodeExecution {
	s := n.Stats
	out := &gql.NodeExecution{
		ID: n.ID.String(), GraphExecutionID: n.GraphExecutionID.String(), NodeID: n.NodeID.String(),
		Status: gql.ExecutionStatus(n.Status), Inputs: jsonOr(n.Inputs, "{}"), Outputs: jsonOr(n.Outputs, "{}"),
		CreatedAt: n.CreatedAt, StartedAt: n.StartedAt, EndedAt: n.EndedAt, ErrorMessage: n.ErrorMessage,
		Stats: &gql.NodeExecutionStats{NodeID: n.NodeID.String(), BlockName: s.BlockName, ExecutionTime: s.ExecutionTime,
			InputSize: int(s.InputSize), OutputSize: int(s.OutputSize), Cost: int32Int(s.Cost)},
		Duration: seconds(n.Duration(time.Now())), Cost: int32Int(n.Cost()),
	}
	hideSecretNodeExecution(out)
	return out
}

func jsonOr(raw json.RawMessage, def string) gqlscalar.JSON {
	if len(raw) == 0 {
		return gqlscalar.JSON(def)
	}
	return gqlscalar.JSON(raw)
}

// ownExecution loads a run the caller owns, its id given as argument arg;
// anything else is NOT_FOUND.
func (r *Resolver) ownExecution(ctx context.Context, arg, id string) (*model.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	eid, err := parseID(arg, id)
	if err != nil {
		return nil, err
	}
	e, err := r.Store.ExecutionGet(ctx, eid)
	if err != nil {
		return nil, err
	}
	if !authz.IsOwner(u, e.UserID) {
		return nil, model.NotFound("execution")
	}
	return e, nil
}

func (r *queryResolver) Execution(ctx context.Context, id string) (*gql.GraphExecution, error) {
	e, err := r.ownExecution(ctx, "id", id)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return r.toExecution(ctx, e), nil
}

func (r *queryResolver) SharedExecution(ctx context.Context, shareToken string) (*gql.GraphExecution, error) {
	if err := checkShareToken("shareToken", shareToken); err != nil {
		return nil, err
	}
	e, err := r.Store.ExecutionGetByShareToken(ctx, shareToken)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	out := r.toExecution(ctx, e)
	r.toSharedExecution(ctx, e, out)
	return out, nil
}

func (r *queryResolver) Executions(ctx context.Context, graphID *string, status *gql.ExecutionStatus, first *int, after *string) (*gql.GraphExecutionConnection, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var gid *uuid.UUID
	if graphID != nil {
		ref, err := lookupGraph("graphId", *graphID)
		if err != nil {
			return nil, err
		}
		gid = &ref.id // a version's id names its graph: runs of every version
	}
	return r.executionPage(ctx, u.ID, gid, status, first, after)
}

func (r *Resolver) executionPage(ctx context.Context, userID uuid.UUID, graphID *uuid.UUID, status *gql.ExecutionStatus, first *int, after *string) (*gql.GraphExecutionConnection, error) {
	n, cur, err := pageArgs(first, after)
	if err != nil {
		return nil, err
	}
	var st *model.Status
	if status != nil {
		s := model.Status(*status)
		st = &s
	}
	es, err := r.Store.ExecutionList(ctx, userID, graphID, st, cur, n+1)
	if err != nil {
		return nil, err
	}
	key := func(e *model.GraphExecution) db.Cursor { return db.Cursor{Time: e.CreatedAt, ID: e.ID} }
	page, info := paginate(es, n, after != nil, key)
	conn := &gql.GraphExecutionConnection{PageInfo: info, Edges: make([]*gql.GraphExecutionEdge, len(page))}
	inputs := r.shownInputs(ctx, page...)
	for i, e := range page {
		ex := toStoredExecution(e)
		ex.Inputs = jsonOr(inputs[i], "{}")
		conn.Edges[i] = &gql.GraphExecutionEdge{Cursor: key(e).Encode(), Node: ex}
	}
	return conn, nil
}

// Executions of a graph: only the caller's own runs, also on a template.
func (r *graphResolver) Executions(ctx context.Context, obj *gql.Graph, first *int, after *string, status *gql.ExecutionStatus) (*gql.GraphExecutionConnection, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	gid, err := uuid.Parse(obj.GraphID)
	if err != nil {
		return nil, err
	}
	return r.executionPage(ctx, u.ID, &gid, status, first, after)
}

// runLogLevel is a run's stored log level (INFO for a run built without one).
func runLogLevel(level string) gql.LogLevel {
	if level == "" {
		return gql.LogLevelInfo
	}
	return gql.LogLevel(level)
}

func (r *mutationResolver) ExecuteGraph(ctx context.Context, graphID string, version *int, inputs gqlscalar.JSON, userContext *gql.UserContextInput, maxCost *int, logLevel *gql.LogLevel) (*gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := lookupGraph("graphId", graphID)
	if err != nil {
		return nil, err
	}
	in, err := jsonObjectArg("inputs", inputs)
	if err != nil {
		return nil, err
	}
	uc, err := runContext(userContext)
	if err != nil {
		return nil, err
	}
	v, err := ref.withVersion("version", version)
	if err != nil {
		return nil, err
	}
	var o model.RunOptions
	if maxCost != nil {
		if *maxCost < 0 {
			return nil, model.Invalid("maxCost", "must be 0 or more")
		}
		b := int64(*maxCost)
		o.MaxCost = &b
	}
	if logLevel != nil {
		o.LogLevel = string(*logLevel) // the engine refuses a level other than DEBUG or INFO
	}
	e, err := r.Runs.SubmitWith(ctx, u.ID, ref.id, v, in, uc, o)
	if err != nil {
		return nil, err
	}
	return r.toExecution(ctx, e), nil
}

func (r *mutationResolver) CancelExecution(ctx context.Context, id string) (*gql.GraphExecution, error) {
	return r.onRun(ctx, id, r.Runs.Cancel)
}

func (r *mutationResolver) RerunExecution(ctx context.Context, id string) (*gql.GraphExecution, error) {
	return r.onRun(ctx, id, r.Runs.Rerun)
}

// onRun is a mutation that acts on one of the caller's runs by id and
// answers the run it gives back.
func (r *mutationResolver) onRun(ctx context.Context, id string,
	act func(ctx context.Context, userID, executionID uuid.UUID) (*model.GraphExecution, error)) (*gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	eid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	e, err := act(ctx, u.ID, eid)
	if err != nil {
		return nil, err
	}
	return r.toExecution(ctx, e), nil
}

func (r *mutationResolver) ShareExecution(ctx context.Context, id string) (*gql.GraphExecution, error) {
	return r.setShared(ctx, id, true)
}

func (r *mutationResolver) UnshareExecution(ctx context.Context, id string) (*gql.GraphExecution, error) {
	return r.setShared(ctx, id, false)
}

func (r *mutationResolver) setShared(ctx context.Context, id string, shared bool) (*gql.GraphExecution, error) {
	u, err := me(ctx)
	if err != nil {
		return nil, err
	}
	eid, err := parseID("id", id)
	if err != nil {
		return nil, err
	}
	e, err := r.Store.ExecutionSetShared(ctx, u.ID, eid, shared)
	if err != nil {
		return nil, err
	}
	return r.toExecution(ctx, e), nil
}

func (r *graphExecutionResolver) Graph(ctx context.Context, obj *gql.GraphExecution) (*gql.Graph, error) {
	if obj.SharedView {
		return nil, nil // the shared view, whoever reads it: graphShape draws the run
	}
	u, _ := me(ctx)
	owner, _ := uuid.Parse(obj.UserID)
	if !authz.ExecutionGraph.Allows(u, owner) {
		return nil, nil // a share-token reader sees the run and its graphShape, not the graph
	}
	gid, _ := uuid.Parse(obj.GraphID)
	g, err := r.Store.GraphGet(ctx, gid, obj.GraphVersion)
	if err != nil {
		return nil, nilIfNotFound(err)
	}
	return toGraph(g), nil
}

func (r *graphExecutionResolver) NodeExecutions(ctx context.Context, obj *gql.GraphExecution) ([]*gql.NodeExecution, error) {
	selected := selection(ctx, "NodeExecution")
	out := obj.NodeExecutions // read with a snapshot, consistent with it
	if out == nil {
		id, err := uuid.Parse(obj.ID)
		if err != nil {
			return nil, err
		}
		// A run's inputs and outputs may be large: read them only to show them.
		loader := r.loaders(ctx).nodeExecutionsWithoutValues
		if selected["inputs"] || selected["outputs"] {
			loader = r.loaders(ctx).nodeExecutions
		}
		nes, err := loader.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		out = make([]*gql.NodeExecution, len(nes))
		for i := range nes {
			out[i] = toNodeExecution(&nes[i])
			out[i].GraphID, out[i].GraphVersion = obj.GraphID, obj.GraphVersion
		}
	} else if selected["node"] {
		// A snapshot's values may be shown to other operations too: fill
		// in copies.
		out = slices.Clone(out)
		for i, ne := range out {
			c := *ne
			out[i] = &c
		}
	}
	if obj.SharedView {
		for _, ne := range out { // fresh copies: the request's loader maps them anew
			if selected["outputs"] {
				hideSecretOutputNode(ne)
			}
			if selected["inputs"] {
				hideChosenCredential(ne)
			}
			ne.ErrorMessage = sharedMessagePtr(ne.ErrorMessage)
		}
	}
	if selected["node"] {
		if err := r.fillNodes(ctx, out); err != nil {
			return nil, err
		}
		if obj.SharedView {
			// The index fillNodes read; a version gone since left every
			// node null, which of leaves so.
			idx, err := r.runIndex(ctx, obj)
			if err != nil && nilIfNotFound(err) != nil {
				return nil, err
			}
			s := r.sharedNodes(idx)
			for _, ne := range out {
				ne.Node = s.of(ne.Node)
			}
		}
	}
	return out, nil
}

// Links are the version's links between nodes that ran. The node
// executions are those NodeExecutions answers (a snapshot's, else the
// request's loader), so the two always agree. The whole version's links
// are GraphShape's (graph_shape.go).
func (r *graphExecutionResolver) Links(ctx context.Context, obj *gql.GraphExecution) ([]*gql.Link, error) {
	nes, err := r.NodeExecutions(ctx, obj)
	if err != nil {
		return nil, err
	}
	ran := make(map[string]bool, len(nes))
	for _, ne := range nes {
		ran[ne.NodeID] = true
	}
	idx, err := r.runIndex(ctx, obj)
	if err != nil {
		return nil, err
	}
	out := []*gql.Link{}
	s := r.sharedNodes(idx)
	for _, l := range idx.links {
		if !ran[l.SourceID] || !ran[l.SinkID] {
			continue
		}
		if obj.SharedView {
			c := *l
			c.Source, c.Sink = s.of(l.Source), s.of(l.Sink)
			l = &c
		}
		out = append(out, l)
	}
	return out, nil
}

// fillNodes sets each node execution's node, from its graph version's
// index (one read for all of them); a node no longer there stays null.
func (r *Resolver) fillNodes(ctx context.Context, nes []*gql.NodeExecution) error {
	for _, ne := range nes {
		if ne.GraphID == "" {
			continue
		}
		n, err := r.graphNode(ctx, ne.GraphID, ne.GraphVersion, ne.NodeID)
		if err != nil && nilIfNotFound(err) != nil {
			return err
		}
		ne.Node = n
	}
	return nil
}

func (r *graphExecutionResolver) Logs(ctx context.Context, obj *gql.GraphExecution, first *int, after *string) (*gql.ExecutionLogConnection, error) {
	n, cur, err := pageArgs(first, after)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(obj.ID)
	if err != nil {
		return nil, err
	}
	logs, err := r.Store.ExecutionLogs(ctx, id, cur, n+1)
	if err != nil {
		return nil, err
	}
	key := func(l db.ExecutionLog) db.Cursor { return db.Cursor{Time: l.LoggedAt, ID: l.ID} }
	page, info := paginate(logs, n, after != nil, key)
	conn := &gql.ExecutionLogConnection{PageInfo: info, Edges: make([]*gql.ExecutionLogEdge, len(page))}
	for i, l := range page {
		if obj.SharedView {
			l.Message = sharedMessage(l.Message) // before formattedMessage is made of it
		}
		conn.Edges[i] = &gql.ExecutionLogEdge{Cursor: key(l).Encode(), Node: toExecutionLog(l)}
		if obj.SharedView {
			conn.Edges[i].Node.UserID = sharedUserID // who owns a shared run is not shared (shared_view.go)
		}
	}
	return conn, nil
}

func toExecutionLog(l db.ExecutionLog) *gql.ExecutionLog {
	var nodeID *string
	if l.NodeID != nil {
		s := l.NodeID.String()
		nodeID = &s
	}
	scope := fmt.Sprintf("[Execution:%s]", l.ExecutionID)
	if nodeID != nil {
		scope = fmt.Sprintf("[Node:%s]", *nodeID)
	}
	return &gql.ExecutionLog{
		ID: l.ID.String(), ExecutionID: l.ExecutionID.String(), NodeID: nodeID, Level: gql.LogLevel(l.Level),
		Message: l.Message, Timestamp: l.LoggedAt, Metadata: jsonOr(l.Metadata, "{}"), UserID: l.UserID.String(),
		// The seed's get_formatted_message.
		FormattedMessage: fmt.Sprintf("[%s] %s %s %s", l.LoggedAt.UTC().Format("2006-01-02 15:04:05"), l.Level, scope, l.Message),
	}
}

// runContext checks what the caller chose for a run's UserContext. What is
// left empty the engine fills from the user's stored settings as it
// submits (it reads the user then anyway), preferences merged key by key.
func runContext(in *gql.UserContextInput) (model.UserContext, error) {
	var uc model.UserContext
	if in == nil {
		return uc, nil
	}
	if in.Timezone != nil {
		if err := model.CheckTimezone("userContext.timezone", *in.Timezone); err != nil {
			return uc, err
		}
		uc.Timezone = *in.Timezone
	}
	if in.Locale != nil {
		l, err := model.ParseLocale("userContext.locale", *in.Locale)
		if err != nil {
			return uc, err
		}
		uc.Locale = l
	}
	if given(in.Preferences) {
		p, err := model.ParsePreferencesPatch("userContext.preferences", in.Preferences)
		if err != nil {
			return uc, err
		}
		uc.Preferences = p.Overrides()
	}
	return uc, nil
}
