package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/events"
	"github.com/agentgraph/agentgraph/internal/model"
)

// Submit queues a run of the user's graph (version 0 = the active one).
// The graph must exist and be the user's (else model.ErrNotFound, exactly
// like a missing one), the user active, every required input given and
// each input valid for its AgentInputBlock. The run is stored QUEUED, its
// event published, and a worker is woken.
//
// uc is what the caller chose for this run; the user's stored settings
// fill the rest: an empty timezone or locale is the user's, and
// uc.Preferences (checked overrides, a nil value dropping a key; see
// model.PreferencesPatch.Overrides) is merged over the user's stored
// preferences, so the run carries every typed preference.
func (e *Engine) Submit(ctx context.Context, userID uuid.UUID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext) (*model.GraphExecution, error) {
	return e.SubmitBudget(ctx, userID, graphID, version, inputs, uc, nil)
}

// SubmitBudget is Submit of a run with a budget in credits (maxCost; nil:
// none, as Submit): the run starts no charge that would take its spend past
// it (run.overBudget) and ends FAILED instead.
func (e *Engine) SubmitBudget(ctx context.Context, userID uuid.UUID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext, maxCost *int64) (*model.GraphExecution, error) {
	return e.SubmitWith(ctx, userID, graphID, version, inputs, uc, model.RunOptions{MaxCost: maxCost})
}

// SubmitWith is Submit with a run's options: a budget (see SubmitBudget)
// and a log level. A DEBUG run gets a log line per node execution's start
// and finish (run.debugNode); the level is stored with the run, so a worker
// taking it over keeps writing them, and a child run (AGENT) inherits it.
func (e *Engine) SubmitWith(ctx context.Context, userID uuid.UUID, graphID uuid.UUID, version int, inputs map[string]any, uc model.UserContext, o model.RunOptions) (*model.GraphExecution, error) {
	if o.MaxCost != nil && *o.MaxCost < 0 {
		return nil, model.Invalid("maxCost", "must be 0 or more")
	}
	switch o.LogLevel {
	case "", model.LogLevelInfo, model.LogLevelDebug:
	default:
		return nil, model.Invalid("logLevel", "must be DEBUG or INFO")
	}
	// The user and the graph version to run, in one round trip shared with
	// the submits made at the same time.
	t, err := e.submitTarget(userID, graphID, version)
	if err != nil {
		return nil, err
	}
	if !t.UserActive {
		return nil, fmt.Errorf("%w: the user is deactivated", model.ErrForbidden)
	}
	if t.GraphOwner != userID {
		return nil, model.NotFound("graph")
	}
	g, err := e.compiled(ctx, t.Graph.ID, t.Graph.Version)
	if err != nil {
		return nil, err
	}
	if uc.Timezone == "" {
		uc.Timezone = t.Timezone
	}
	if uc.Locale == "" {
		uc.Locale = t.Locale
	}
	uc.Preferences = model.RunPreferences(t.Preferences, uc.Locale, uc.Preferences)
	return e.submitCompiled(ctx, g, userID, inputs, uc, nil, o)
}

func (e *Engine) submit(ctx context.Context, fg *model.FullGraph, userID uuid.UUID, inputs map[string]any, uc model.UserContext, parent *uuid.UUID, o model.RunOptions) (*model.GraphExecution, error) {
	g, err := compile(fg, e.reg, e.opts.Strict)
	if err != nil {
		return nil, err
	}
	return e.submitCompiled(ctx, g, userID, inputs, uc, parent, o)
}

func (e *Engine) submitCompiled(ctx context.Context, g *graph, userID uuid.UUID, inputs map[string]any, uc model.UserContext, parent *uuid.UUID, o model.RunOptions) (*model.GraphExecution, error) {
	fg := g.g
	var err error
	if inputs == nil {
		inputs = map[string]any{}
	}
	if err := g.checkInputs(e.reg, inputs); err != nil {
		return nil, err
	}
	if err := e.checkRunCredentials(ctx, g, userID); err != nil {
		return nil, err
	}
	// A top-level run submitted to a started engine with a free slot is
	// claimed by this engine in the statement that stores it: one round
	// trip, one commit, and no trip through the claim loop.
	local := parent == nil && e.reserveLocal()
	n := db.NewExecution{ID: newID(), GraphID: fg.ID, GraphVersion: fg.Version, UserID: userID, Inputs: inputs,
		UserContext: uc, ParentNodeExecutionID: parent, MaxCost: o.MaxCost, TraceContext: e.traceContext(ctx),
		LogLevel: o.LogLevel}
	var ex *model.GraphExecution
	var claimed *db.Claimed
	if local {
		ex, claimed, err = e.insertClaimed(n)
	} else {
		ex, err = e.store.ExecutionInsert(ctx, n) // the insert and its NOTIFY, in one transaction
	}
	if err != nil {
		if local {
			e.unreserve(1)
		}
		return nil, err
	}
	e.publishNow(ctx, events.Event{ExecutionID: ex.ID.String(), GraphID: ex.GraphID.String(),
		UserID: userID.String(), Seq: ex.LastSeq, Kind: events.KindGraphStatus, Status: string(model.StatusQueued),
		At: ex.CreatedAt.UTC()})
	switch {
	case local:
		go func() {
			if _, err := e.startClaimed(e.ctx, claimed, nil); err != nil {
				e.unreserve(1)
			}
		}()
	case parent == nil:
		e.wakeClaimer()
	}
	return ex, nil
}

// reserveLocal takes a top-level slot for a run submitted here, when this
// engine runs workers and has one free. With a per-user limit the claim
// query must count the user's runs across workers, so the fast path is off.
func (e *Engine) reserveLocal() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	// A claim in flight holds every free slot for a few milliseconds; wait
	// for it rather than fall back to the slower queued path (whose NOTIFY
	// serialises commits).
	for e.claiming && e.started && !e.stopping {
		e.claimDone.Wait()
	}
	if !e.started || e.stopping || e.draining || e.opts.MaxRunsPerUser > 0 || e.topRuns >= e.opts.MaxRuns {
		return false
	}
	e.topRuns++
	return true
}

// Queued announces runs stored QUEUED outside Submit (a schedule's
// occurrence, a webhook delivery: both store the run in their own
// transaction): their QUEUED events are published for live subscribers,
// and this engine's claim loop is woken (other processes' loops were woken
// by the store's NOTIFY).
func (e *Engine) Queued(ctx context.Context, runs []*model.GraphExecution) {
	evs := make([]events.Event, 0, len(runs))
	for _, ex := range runs {
		evs = append(evs, events.Event{ExecutionID: ex.ID.String(), GraphID: ex.GraphID.String(),
			UserID: ex.UserID.String(), Seq: ex.LastSeq, Kind: events.KindGraphStatus,
			Status: string(model.StatusQueued), At: ex.CreatedAt.UTC()})
	}
	e.publishNow(ctx, evs...)
	e.wakeClaimer()
}

// CheckInputs validates inputs for a run of the user's graph version
// (0: the active one) as Submit does, storing nothing: a schedule's inputs
// are checked when it is saved, not at 3 a.m. when it fires. So are the
// credentials its nodes need, as Submit checks them: a schedule every run
// of which would fail for a missing key is refused, naming it. It answers
// the version it checked.
func (e *Engine) CheckInputs(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any) (int, error) {
	t, err := e.submitTarget(userID, graphID, version)
	if err != nil {
		return 0, err
	}
	if t.GraphOwner != userID {
		return 0, model.NotFound("graph")
	}
	g, err := e.compiled(ctx, t.Graph.ID, t.Graph.Version)
	if err != nil {
		return 0, err
	}
	if inputs == nil {
		inputs = map[string]any{}
	}
	if err := g.checkInputs(e.reg, inputs); err != nil {
		return 0, err
	}
	return t.Graph.Version, e.checkRunCredentials(ctx, g, userID)
}

// checkRunCredentials refuses a run of g by userID whose nodes need
// credentials the user cannot supply (the registry's providers, then
// Options.CheckCredentials' stored ones).
func (e *Engine) checkRunCredentials(ctx context.Context, g *graph, userID uuid.UUID) error {
	if err := e.checkCredentials(ctx, g, userID); err != nil {
		return err
	}
	if e.opts.CheckCredentials != nil {
		if needs := g.credentialNeeds(); len(needs) > 0 {
			return e.opts.CheckCredentials(ctx, userID, needs)
		}
	}
	return nil
}

// checkCredentials refuses a run with a node that will need credentials
// nobody has: for blocks whose provider depends on their input
// (blocks.Info.ProvidersFor, the AI blocks' model), the node's defaults say
// which, so a missing key is reported now, naming node and provider, rather
// than discovered mid-run. (A provider chosen by a linked pin is checked
// when the node runs.)
func (e *Engine) checkCredentials(ctx context.Context, g *graph, userID uuid.UUID) error {
	type need struct {
		n         *gnode
		providers []string
	}
	var needs []need
	var all []string // every provider any node needs: one read for the graph, not one per node
	for _, n := range g.order {
		if n.info.ProvidersFor == nil {
			continue
		}
		input := e.reg.InputDefaults(n.blockID)
		for k, v := range n.defaults {
			input[k] = v
		}
		providers := n.info.ProvidersFor(input)
		if len(providers) == 0 {
			continue
		}
		needs = append(needs, need{n, providers})
		for _, p := range providers {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
	}
	if len(needs) == 0 {
		return nil
	}
	var have map[string]blocks.Credential
	if e.opts.Credentials != nil {
		var err error
		if have, err = e.opts.Credentials(ctx, userID, all); err != nil {
			return err
		}
	}
	for _, nd := range needs {
		for _, p := range nd.providers {
			if _, ok := have[p]; !ok {
				return model.Invalid("graph", "node %s (%s) needs %s credentials: add an API_KEY credential for %s (the platform has no %s key configured)",
					nd.n.name(), nd.n.info.Name, p, p, p)
			}
		}
	}
	return nil
}
