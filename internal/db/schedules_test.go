package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

func (b *bundle) schedule(u *model.User, g *model.FullGraph, next time.Time) *model.Schedule {
	b.t.Helper()
	s, err := b.store.ScheduleCreate(b.ctx, u.ID, db.ScheduleSpec{GraphID: g.ID, GraphVersion: g.Version,
		Name: "s", Cron: "0 0 1 1 *", Timezone: "UTC", Inputs: map[string]any{"x": "y"},
		MisfirePolicy: model.MisfireRunOnce, NextRunAt: next})
	require.NoError(b.t, err)
	return s
}

func TestScheduleCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t, false)
	u, other := b.user(), b.user()
	g := b.graph(u)
	next := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := b.schedule(u, g, next)
	require.Equal(t, g.ID, s.GraphID)
	require.True(t, s.IsActive)
	require.True(t, s.NextRunAt.Equal(next))

	got, err := b.store.ScheduleGet(b.ctx, u.ID, s.ID)
	require.NoError(t, err)
	require.Equal(t, s.Name, got.Name)
	_, err = b.store.ScheduleGet(b.ctx, other.ID, s.ID)
	require.ErrorIs(t, err, model.ErrNotFound, "someone else's schedule is not found")

	list, err := b.store.ScheduleListByGraph(b.ctx, u.ID, g.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, err = b.store.ScheduleListByGraph(b.ctx, other.ID, g.ID)
	require.NoError(t, err)
	require.Empty(t, list)

	up, err := b.store.ScheduleUpdate(b.ctx, u.ID, s.ID, db.ScheduleSpec{GraphVersion: g.Version, Name: "renamed",
		Cron: "@daily", Timezone: "Europe/Berlin", MisfirePolicy: model.MisfireSkip, NextRunAt: next.Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, "renamed", up.Name)
	require.Equal(t, model.MisfireSkip, up.MisfirePolicy)
	require.JSONEq(t, `{}`, string(up.Inputs))

	paused, err := b.store.ScheduleSetActive(b.ctx, u.ID, s.ID, false, next)
	require.NoError(t, err)
	require.False(t, paused.IsActive)
	_, err = b.store.ScheduleSetActive(b.ctx, other.ID, s.ID, true, next)
	require.ErrorIs(t, err, model.ErrNotFound)

	ok, err := b.store.ScheduleDelete(b.ctx, other.ID, s.ID)
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = b.store.ScheduleDelete(b.ctx, u.ID, s.ID)
	require.NoError(t, err)
	require.True(t, ok)

	// A graph version that does not exist is NOT_FOUND, nothing stored.
	_, err = b.store.ScheduleCreate(b.ctx, u.ID, db.ScheduleSpec{GraphID: g.ID, GraphVersion: 99, Name: "x",
		Cron: "@daily", Timezone: "UTC", MisfirePolicy: model.MisfireRunOnce, NextRunAt: next})
	require.ErrorIs(t, err, model.ErrNotFound)
}

// fireAll fires everything due with a decide that fires the stored
// occurrence and moves the schedule a year on.
func fireAll(ctx context.Context, s *db.Store) ([]*model.GraphExecution, int, error) {
	return s.ScheduleFire(ctx, 1000, 0, func(d db.DueSchedule) db.Firing {
		return db.Firing{OccurrenceAt: d.NextRunAt, NextRunAt: d.NextRunAt.AddDate(1, 0, 0)}
	})
}

func TestScheduleFireStoresOccurrenceRunAndAdvances(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	g := b.graph(u)
	past := b.nowFromDB().Add(-time.Minute).Truncate(time.Second)
	s := b.schedule(u, g, past)
	future := b.schedule(u, g, past.AddDate(1, 0, 0))

	due, now, ok, err := b.store.ScheduleNextDue(b.ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, due.Equal(past))
	require.True(t, now.After(due))

	runs, claimed, err := fireAll(b.ctx, b.store)
	require.NoError(t, err)
	require.Equal(t, 1, claimed, "only the due schedule is claimed")
	require.Len(t, runs, 1)
	r := runs[0]
	require.Equal(t, model.StatusQueued, r.Status)
	require.Equal(t, model.TriggerSchedule, r.Trigger.Kind)
	require.Equal(t, s.ID, *r.Trigger.ScheduleID)
	require.JSONEq(t, `{"x":"y"}`, string(r.Inputs))
	require.Equal(t, "UTC", r.UserContext.Timezone)

	occ, err := b.store.ScheduleOccurrences(b.ctx, u.ID, s.ID, 10)
	require.NoError(t, err)
	require.Len(t, occ, 1)
	require.True(t, occ[0].OccurrenceAt.Equal(past))
	require.Equal(t, r.ID, *occ[0].ExecutionID)
	got, err := b.store.ScheduleGet(b.ctx, u.ID, s.ID)
	require.NoError(t, err)
	require.True(t, got.NextRunAt.Equal(past.AddDate(1, 0, 0)))
	require.True(t, got.LastRunAt.Equal(past))
	_, err = b.store.ScheduleGet(b.ctx, u.ID, future.ID)
	require.NoError(t, err)

	// Nothing is due any more.
	runs, claimed, err = fireAll(b.ctx, b.store)
	require.NoError(t, err)
	require.Zero(t, claimed)
	require.Empty(t, runs)

	// A failed occurrence is recorded with its reason and starts no run.
	f := b.schedule(u, g, past)
	runs, _, err = b.store.ScheduleFire(b.ctx, 10, 0, func(d db.DueSchedule) db.Firing {
		return db.Firing{OccurrenceAt: d.NextRunAt, Error: "insufficient credits", NextRunAt: d.NextRunAt.AddDate(1, 0, 0)}
	})
	require.NoError(t, err)
	require.Empty(t, runs)
	occ, err = b.store.ScheduleOccurrences(b.ctx, u.ID, f.ID, 10)
	require.NoError(t, err)
	require.Len(t, occ, 1)
	require.Nil(t, occ[0].ExecutionID)
	require.Equal(t, "insufficient credits", *occ[0].Error)

	// The runs of many schedules in one read: the failed occurrence
	// started none, and someone else sees none of them.
	byID, err := b.store.ScheduleRuns(b.ctx, u.ID, []uuid.UUID{s.ID, f.ID, future.ID}, 10)
	require.NoError(t, err)
	require.Len(t, byID, 1)
	require.Len(t, byID[s.ID], 1)
	require.Equal(t, r.ID, byID[s.ID][0].ID)
	byID, err = b.store.ScheduleRuns(b.ctx, b.user().ID, []uuid.UUID{s.ID, f.ID}, 10)
	require.NoError(t, err)
	require.Empty(t, byID)
}

// Two schedulers firing the same due schedules at once: each occurrence
// starts exactly one run.
func TestScheduleFireExactlyOnceAcrossRacingSchedulers(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	g := b.graph(u)
	past := b.nowFromDB().Add(-time.Minute).Truncate(time.Second)
	const n = 60
	for range n {
		b.schedule(u, g, past)
	}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				runs, claimed, err := b.store.ScheduleFire(b.ctx, 7, 0, func(d db.DueSchedule) db.Firing {
					return db.Firing{OccurrenceAt: d.NextRunAt, NextRunAt: d.NextRunAt.AddDate(1, 0, 0)}
				})
				if !assertNoErr(t, err) || claimed == 0 {
					return
				}
				mu.Lock()
				total += len(runs)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, n, total)
	var runs, occs, perSchedule int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM graph_executions WHERE user_id = $1`, u.ID).Scan(&runs))
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM schedule_occurrences`).Scan(&occs))
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT max(c) FROM (SELECT count(*) c FROM graph_executions
		WHERE user_id = $1 GROUP BY schedule_id) x`, u.ID).Scan(&perSchedule))
	require.Equal(t, n, runs)
	require.Equal(t, n, occs)
	require.Equal(t, 1, perSchedule)
}

func assertNoErr(t *testing.T, err error) bool {
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

// A firing whose transaction rolls back (a crash mid-fire) leaves nothing:
// the occurrence is still due and fires once on the next attempt.
func TestScheduleFireRolledBackFiresAgainOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	g := b.graph(u)
	s := b.schedule(u, g, b.nowFromDB().Add(-time.Minute).Truncate(time.Second))
	crash := errors.New("crash")
	err := b.store.InTx(b.ctx, func(tx *db.Store) error {
		runs, _, err := fireAll(b.ctx, tx)
		require.NoError(t, err)
		require.Len(t, runs, 1)
		return crash
	})
	require.ErrorIs(t, err, crash)
	occ, err := b.store.ScheduleOccurrences(b.ctx, u.ID, s.ID, 10)
	require.NoError(t, err)
	require.Empty(t, occ)

	runs, _, err := fireAll(b.ctx, b.store)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	runs, _, err = fireAll(b.ctx, b.store)
	require.NoError(t, err)
	require.Empty(t, runs)
	var n int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM graph_executions WHERE schedule_id = $1`, s.ID).Scan(&n))
	require.Equal(t, 1, n)
}

// An occurrence already recorded (fired by a transaction that committed)
// starts no second run, even if next_run_at were not advanced.
func TestScheduleOccurrenceKeyIsUnique(t *testing.T) {
	t.Parallel()
	b := setup(t, true)
	u := b.user()
	g := b.graph(u)
	past := b.nowFromDB().Add(-time.Minute).Truncate(time.Second)
	s := b.schedule(u, g, past)
	stay := func(d db.DueSchedule) db.Firing { // fires but leaves the schedule due
		return db.Firing{OccurrenceAt: d.NextRunAt, NextRunAt: d.NextRunAt}
	}
	runs, _, err := b.store.ScheduleFire(b.ctx, 10, 0, stay)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	runs, claimed, err := b.store.ScheduleFire(b.ctx, 10, 0, stay)
	require.NoError(t, err)
	require.Equal(t, 1, claimed)
	require.Empty(t, runs, "the same occurrence twice starts one run")
	occ, err := b.store.ScheduleOccurrences(b.ctx, u.ID, s.ID, 10)
	require.NoError(t, err)
	require.Len(t, occ, 1)
}
