package db_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// TestClaims: workers claim runnable runs (oldest first, a per-user
// limit), keep them with heartbeats, hand them back, and take them over.
// A database of its own: a claim takes any runnable run of its database.
func TestClaims(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	s, ctx := b.store, b.ctx
	ua, ub := b.user(), b.user()
	ga, gb := b.graph(ua), b.graph(ub)
	a1, a2, b1 := b.queued(ua, ga), b.queued(ua, ga), b.queued(ub, gb)

	claimed, err := s.ExecutionClaim(ctx, "w1", 30, 10, 1)
	require.NoError(t, err)
	claimedIDs := func(cs []db.Claimed) []uuid.UUID {
		return ids(cs, func(c db.Claimed) uuid.UUID { return c.Exec.ID })
	}
	require.ElementsMatch(t, []uuid.UUID{a1.ID, b1.ID}, claimedIDs(claimed), "one run per user, the oldest")
	for _, c := range claimed {
		require.True(t, c.WasQueued)
		require.Equal(t, model.StatusRunning, c.Exec.Status)
		require.EqualValues(t, 2, c.Exec.LastSeq, "QUEUED→RUNNING is an event")
		require.NotNil(t, c.Exec.StartedAt)
	}

	held, err := s.ExecutionHeartbeat(ctx, "w1", 30, []uuid.UUID{a1.ID, b1.ID, a2.ID})
	require.NoError(t, err)
	require.ElementsMatch(t, []db.LeaseState{{ID: a1.ID}, {ID: b1.ID}}, held, "a2 is not w1's")
	held, err = s.ExecutionHeartbeat(ctx, "w2", 30, []uuid.UUID{a1.ID})
	require.NoError(t, err)
	require.Empty(t, held)

	require.NoError(t, s.ExecutionRelease(ctx, "w1", []uuid.UUID{b1.ID}))
	held, err = s.ExecutionHeartbeat(ctx, "w1", 30, []uuid.UUID{b1.ID})
	require.NoError(t, err)
	require.Empty(t, held, "handed back")
	claimed, err = s.ExecutionClaim(ctx, "w2", 30, 10, 0)
	require.NoError(t, err)
	require.ElementsMatch(t, []uuid.UUID{b1.ID, a2.ID}, claimedIDs(claimed), "the released run and the one left queued")
	for _, c := range claimed {
		require.Equal(t, c.Exec.ID == a2.ID, c.WasQueued)
		require.Zero(t, c.Resumes, "a run handed back is no takeover")
	}

	_, err = s.ExecutionClaimByID(ctx, "w1", 30, b1.ID, true)
	require.ErrorIs(t, err, model.ErrNotFound, "w2 holds a live lease")
	c, err := s.ExecutionClaimByID(ctx, "w1", 30, b1.ID, false)
	require.NoError(t, err)
	require.Equal(t, b1.ID, c.Exec.ID)
	require.False(t, c.WasQueued)
	held, err = s.ExecutionHeartbeat(ctx, "w1", 30, []uuid.UUID{b1.ID})
	require.NoError(t, err)
	require.Equal(t, []db.LeaseState{{ID: b1.ID}}, held)

	queued, cls, err := s.ExecutionInsertClaimed(ctx, []db.NewExecution{
		{ID: uuid.New(), GraphID: ga.ID, GraphVersion: 1, UserID: ua.ID},
		{ID: uuid.New(), GraphID: gb.ID, GraphVersion: 1, UserID: ub.ID, Inputs: map[string]any{"k": 1}}}, "w3", 30)
	require.NoError(t, err)
	require.Len(t, queued, 2)
	for i := range queued {
		require.Equal(t, queued[i].ID, cls[i].Exec.ID, "in order")
		require.Equal(t, model.StatusQueued, queued[i].Status, "what the submitter answers")
		require.EqualValues(t, 1, queued[i].LastSeq)
		require.Equal(t, model.StatusRunning, cls[i].Exec.Status, "what the worker starts")
		require.EqualValues(t, 2, cls[i].Exec.LastSeq)
	}
	require.JSONEq(t, `{"k":1}`, string(cls[1].Exec.Inputs))

	counts, err := s.SystemExecutionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, db.ExecutionCounts{Running: 5}, counts)
	_, err = s.ExecutionCancelQueued(ctx, ua.ID, b.queued(ua, ga).ID)
	require.NoError(t, err)
	b.queued(ub, gb)
	counts, err = s.SystemExecutionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, db.ExecutionCounts{Running: 5, Queued: 1, EndedLastHour: 1}, counts)
}

// TestSubmitTargets: many submits' checks answered in one statement, in order.
func TestSubmitTargets(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	s, ctx := b.store, b.ctx
	u, other := b.user(), b.user()
	g := b.graph(u)
	_, err := s.GraphSaveSpec(ctx, u.ID, spec(g.Name), db.GraphSave{ID: g.ID}) // version 2, inactive
	require.NoError(t, err)
	_, err = s.UserSetActive(ctx, other.ID, false)
	require.NoError(t, err)

	targets, errs, err := s.SubmitTargets(ctx, []db.TargetRequest{
		{UserID: u.ID, GraphID: g.ID},             // the active version
		{UserID: u.ID, GraphID: g.ID, Version: 2}, // a given version
		{UserID: u.ID, GraphID: g.ID, Version: 9}, // no such version
		{UserID: uuid.New(), GraphID: g.ID},       // no such user
		{UserID: other.ID, GraphID: g.ID},         // someone else's graph, an inactive user
		{UserID: u.ID, GraphID: uuid.New()},       // no such graph
	})
	require.NoError(t, err)
	require.Len(t, targets, 6)
	require.NoError(t, errs[0])
	require.Equal(t, db.SubmitTarget{UserActive: true, Timezone: "UTC", Locale: "en-US", Preferences: json.RawMessage(`{}`),
		Graph: model.GraphKey{ID: g.ID, Version: 1}, GraphOwner: u.ID}, *targets[0])
	require.NoError(t, errs[1])
	require.Equal(t, 2, targets[1].Graph.Version)
	require.ErrorIs(t, errs[2], model.ErrNotFound)
	require.ErrorContains(t, errs[2], "graph")
	require.ErrorIs(t, errs[3], model.ErrNotFound)
	require.ErrorContains(t, errs[3], "user")
	require.NoError(t, errs[4])
	require.False(t, targets[4].UserActive)
	require.Equal(t, u.ID, targets[4].GraphOwner, "ownership is the caller's check")
	require.ErrorIs(t, errs[5], model.ErrNotFound)
}
