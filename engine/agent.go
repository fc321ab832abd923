package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/blocks"
	"github.com/agentgraph/agentgraph/internal/model"
)

// agentRunner runs an AGENT node's child execution inside this engine (not
// through the queue, so a parent never waits for a free slot its own
// children need). The child is found again by its parent node execution id
// after a resume, so a re-run AGENT node adopts its child instead of
// starting a second one.
// MaxAgentDepth is how many levels of child runs a run may have below it:
// a run at this depth (its ancestors counted) starts no child. Deep enough
// for any agent built of agents, shallow enough that a graph running
// itself stops at once.
const MaxAgentDepth = 8

// depth is how many runs r is nested in: 0 for a top-level run. Children
// always run in their parent's process, with their parent (after a resume
// too: a resumed AGENT node adopts its child), so the chain is in memory.
func (r *run) depth() int {
	d := 0
	for p := r.parent; p != nil; p = p.parent {
		d++
	}
	return d
}

type agentRunner struct {
	e *Engine
	r *run
	x *nodeExec
}

func (a *agentRunner) RunAgent(ctx context.Context, graphID string, version int, inputs map[string]any, emit blocks.Emit) error {
	e, parent := a.e, a.r
	gid, err := uuid.Parse(graphID)
	if err != nil {
		return fmt.Errorf("graph_id %q is not a graph id", graphID)
	}
	child, err := e.store.ExecutionChildOf(ctx, a.x.id)
	if errors.Is(err, model.ErrNotFound) {
		// A graph that runs itself, directly or through others (A → B →
		// A), or a graph_id arriving on a link, would nest runs without
		// end, each charged: no new child is started this deep.
		if d := parent.depth(); d >= MaxAgentDepth {
			return fmt.Errorf("agents nest at most %d levels deep: this run is at depth %d, so it cannot start another (does a graph run itself, directly or through another?)", MaxAgentDepth, d)
		}
		fg, gerr := e.store.GraphLoad(ctx, gid, version)
		if gerr != nil {
			return gerr
		}
		if fg.UserID != parent.exec.UserID && !fg.IsTemplate {
			return model.NotFound("graph")
		}
		// Not on the node's context: cancelled mid-statement (a node
		// timeout, the run's cancel), the insert could still commit on the
		// server while submit reports the cancel, leaving a QUEUED child
		// nobody claims (no worker claims children). Stored, it is claimed
		// and ended with its parent below.
		child, err = e.submit(context.WithoutCancel(ctx), fg, parent.exec.UserID, inputs, parent.exec.UserContext, &a.x.id,
			model.RunOptions{LogLevel: parent.exec.LogLevel})
	}
	if err != nil {
		return err
	}
	if !child.Status.IsTerminal() {
		// Claimed and started even when the node is being stopped, so the
		// child is ended with it below: on the node's cancelled context the
		// claim or the load could fail after the child was stored, leaving it
		// RUNNING past its parent's end until its lease expired.
		bg := context.WithoutCancel(ctx)
		c, err := e.store.ExecutionClaimByID(bg, e.opts.Owner, e.leaseSeconds(), child.ID, false)
		if err != nil {
			return err
		}
		r, err := e.startClaimed(bg, c, parent)
		if err != nil {
			return err
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			r.requestStop(model.StatusCancelled, "parent execution stopped")
			<-r.done
			return context.Cause(ctx)
		}
		if child, err = e.store.ExecutionGet(context.WithoutCancel(ctx), child.ID); err != nil {
			return err
		}
		if !child.Status.IsTerminal() {
			return fmt.Errorf("child execution %s was interrupted", child.ID)
		}
	}
	if child.Status != model.StatusCompleted {
		msg := ""
		if child.ErrorMessage != nil {
			msg = ": " + *child.ErrorMessage
		}
		return fmt.Errorf("child execution %s ended %s%s", child.ID, child.Status, msg)
	}
	var outs map[string][]json.RawMessage
	_ = json.Unmarshal(child.Outputs, &outs)
	names := make([]string, 0, len(outs))
	for n := range outs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, raw := range outs[n] {
			var v any
			_ = json.Unmarshal(raw, &v)
			if err := emit(n, v); err != nil {
				return err
			}
		}
	}
	return nil
}
