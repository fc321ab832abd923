package engine

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/tracing"
)

// Traces (Options.Tracer). A run stores the trace context it was submitted
// under (the executeGraph operation's span, an AGENT node's span for a
// child run). Every engine that claims the run, the first or one taking
// it over, starts a "run" span as a child of that stored context, and each
// block run of a sampled run gets a "node <block>" span under it. So one
// run is one trace however many workers it passes through, and each
// worker's part of it is a subtree of its own.
//
// Without a tracer nothing here runs: no trace context is stored, a run
// has no span (r.span == nil), and a block run checks one bool (r.traced).
// A run that was not sampled has a non-recording span (its ids still reach
// the log lines about it) and its nodes get none: node spans follow the
// run's sampling decision, as a parent-based sampler would decide anyway.

// Span attribute keys.
const (
	attrExecution     = attribute.Key("agentgraph.execution_id")
	attrGraph         = attribute.Key("agentgraph.graph_id")
	attrGraphVersion  = attribute.Key("agentgraph.graph_version")
	attrUser          = attribute.Key("agentgraph.user_id")
	attrResumed       = attribute.Key("agentgraph.resumed")
	attrWorker        = attribute.Key("agentgraph.worker")
	attrStatus        = attribute.Key("agentgraph.status")
	attrAbandoned     = attribute.Key("agentgraph.abandoned")
	attrBlock         = attribute.Key("agentgraph.block")
	attrBlockID       = attribute.Key("agentgraph.block_id")
	attrNode          = attribute.Key("agentgraph.node_id")
	attrNodeExecution = attribute.Key("agentgraph.node_execution_id")
	attrCost          = attribute.Key("agentgraph.cost")
)

// traceContext is what a run submitted under ctx stores: its span's W3C
// traceparent, or "" without a tracer.
func (e *Engine) traceContext(ctx context.Context) string {
	if e.opts.Tracer == nil {
		return ""
	}
	return tracing.Parent(ctx)
}

// startRunSpan starts this engine's span of a claimed run, a child of the
// context the run stored. It returns the context the run's work derives
// from (carrying the span) and the span; a background context and nil
// without a tracer.
func (e *Engine) startRunSpan(c *db.Claimed) (context.Context, trace.Span) {
	if e.opts.Tracer == nil {
		return context.Background(), nil
	}
	ctx, span := e.opts.Tracer.Start(tracing.ContextFrom(c.Exec.TraceContext), "run")
	if span.IsRecording() {
		ex := c.Exec
		span.SetAttributes(attrExecution.String(ex.ID.String()), attrGraph.String(ex.GraphID.String()),
			attrGraphVersion.Int(ex.GraphVersion), attrUser.String(ex.UserID.String()),
			attrResumed.Bool(!c.WasQueued), attrWorker.String(e.opts.Owner))
	}
	return ctx, span
}

// endSpan ends the run's span (once, from run.end): with the run's status,
// or the reason it was dropped here when another worker will resume it.
func (r *run) endSpan() {
	if r.span == nil {
		return
	}
	if r.traced {
		if r.abandoned {
			r.span.SetAttributes(attrAbandoned.Bool(true))
		} else {
			r.span.SetAttributes(attrStatus.String(string(r.status)))
			setErrorStatus(r.span, r.status, r.errMsg)
		}
	}
	r.span.End()
}

// failSpan ends the span of a run that could not be loaded (it resumes
// after its lease expires, under a span of its own).
func failSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, "loading the run failed")
	span.End()
}

// startNodeSpan starts the span of x's block run under the run's span;
// only called for a sampled run (r.traced).
func (r *run) startNodeSpan(ctx context.Context, x *nodeExec) (context.Context, trace.Span) {
	return r.e.opts.Tracer.Start(ctx, "node "+x.n.info.Name, trace.WithAttributes(
		attrBlock.String(x.n.info.Name), attrBlockID.String(x.n.blockID), attrNode.String(x.n.idStr),
		attrNodeExecution.String(x.sid()), attrExecution.String(r.ids[0])))
}

// nodeOutcome is what a node span ends with, read under the run's lock.
type nodeOutcome struct {
	status model.Status
	cost   int64
	errMsg *string
}

func endNodeSpan(span trace.Span, o nodeOutcome) {
	span.SetAttributes(attrStatus.String(string(o.status)), attrCost.Int64(o.cost))
	setErrorStatus(span, o.status, o.errMsg)
	span.End()
}

// setErrorStatus marks a FAILED or TIMEOUT end as an error, with its
// message.
func setErrorStatus(span trace.Span, status model.Status, msg *string) {
	if status != model.StatusFailed && status != model.StatusTimeout {
		return
	}
	desc := string(status)
	if msg != nil {
		desc = *msg
	}
	span.SetStatus(codes.Error, desc)
}
