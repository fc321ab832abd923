package schedule

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/model"
)

// stored is every occurrence recorded for a schedule, newest first, those
// fired ahead included (the API shows only those due).
func (f *fixture) stored(t *testing.T, id uuid.UUID) []time.Time {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT occurrence_at FROM schedule_occurrences WHERE schedule_id = $1 ORDER BY occurrence_at DESC`, id)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	require.NoError(t, err)
	return out
}

// waitDBPast waits until the database's clock is past t.
func waitDBPast(t *testing.T, f *fixture, at time.Time) {
	t.Helper()
	require.Eventually(t, func() bool { return dbNow(t, f).After(at) }, 30*time.Second, 20*time.Millisecond)
}

// A schedule fired ahead stores the occurrence due, exactly that one (an
// every-second cron fires each second in turn, none collapsed), with a run
// no worker can claim before the occurrence, and one it can claim after.
func TestFiredAheadRunWaitsForItsOccurrence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := dbNow(t, f)
	due := now.Truncate(time.Second).Add(3 * time.Second)
	sc := f.schedule(t, "* * * * * *", model.MisfireRunOnce, due)
	s := New(f.store, quiet, nil, Options{})
	var fired []*model.GraphExecution
	for range 2 {
		runs, claimed, err := f.store.ScheduleFire(f.ctx, 10, time.Minute, s.decide)
		require.NoError(t, err)
		require.Equal(t, 1, claimed)
		fired = append(fired, runs...)
	}
	require.Len(t, fired, 2)
	for i, r := range fired {
		want := due.Add(time.Duration(i) * time.Second)
		require.NotNil(t, r.NotBefore)
		require.True(t, r.NotBefore.Equal(want), "run %d not before %v, want %v", i, r.NotBefore, want)
		require.Equal(t, model.StatusQueued, r.Status)
		require.True(t, r.CreatedAt.Before(want))
	}
	occ := f.stored(t, sc.ID)
	require.Len(t, occ, 2)
	require.True(t, occ[1].Equal(due) && occ[0].Equal(due.Add(time.Second)))
	if dbNow(t, f).Before(due) {
		require.Empty(t, f.occurrences(t, sc.ID), "the API shows no occurrence before it is due")
	}
	got, err := f.store.ScheduleGet(f.ctx, f.user.ID, sc.ID)
	require.NoError(t, err)
	require.True(t, got.NextRunAt.Equal(due.Add(2*time.Second)))

	depth, err := f.store.ExecutionQueueDepth(f.ctx)
	require.NoError(t, err)
	age, err := f.store.QueuedRunsOldestAge(f.ctx)
	require.NoError(t, err)
	claimed, err := f.store.ExecutionClaim(f.ctx, "w", 30, 10, 0)
	require.NoError(t, err)
	listed, err := f.store.ExecutionList(f.ctx, f.user.ID, &sc.GraphID, nil, nil, 10)
	require.NoError(t, err)
	if dbNow(t, f).Before(due) { // all ran before the occurrence (the usual case)
		require.Empty(t, listed, "the graph's runs list none before its occurrence")
		require.Empty(t, claimed, "not claimable before its occurrence")
		require.Zero(t, depth.Queued, "not waiting for a worker yet")
		require.Zero(t, depth.OldestQueued)
		require.Zero(t, age, "the queue-age alert does not count it")
	}
	waitDBPast(t, f, due)
	more, err := f.store.ExecutionClaim(f.ctx, "w", 30, 10, 0)
	require.NoError(t, err)
	claimed = append(claimed, more...)
	require.NotEmpty(t, claimed)
	require.Equal(t, fired[0].ID, claimed[0].Exec.ID, "the first occurrence's run, once due")
	listed, err = f.store.ExecutionList(f.ctx, f.user.ID, &sc.GraphID, nil, nil, 10)
	require.NoError(t, err)
	require.NotEmpty(t, listed, "listed once due")
	for _, c := range claimed {
		require.False(t, c.Exec.StartedAt.Before(*c.Exec.NotBefore), "started %v before %v", c.Exec.StartedAt, c.Exec.NotBefore)
	}
}

// Pausing a schedule takes back its runs fired ahead and not yet due (and
// their occurrences): after a pause nothing more starts. A run already due
// stays. Deleting one does the same.
func TestPauseTakesBackRunsFiredAhead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := New(f.store, quiet, nil, Options{})
	for _, pause := range []bool{true, false} {
		// The every-second cron puts the first run ahead at most a second
		// away: on a slow machine it can fall due before the pause does.
		// Such a try proves nothing, so it is made again (a due run stays,
		// as another test shows).
		for try := 1; ; try++ {
			if pauseTakesBack(t, f, s, pause) {
				break
			}
			require.Less(t, try, 10, "pause %v: a run ahead fell due before the pause in every try", pause)
		}
	}
}

// pauseTakesBack fires a due run and two ahead, then pauses or deletes the
// schedule and checks only the due run is left; false when the first run
// ahead fell due before the pause was done (nothing checked).
func pauseTakesBack(t *testing.T, f *fixture, s *Scheduler, pause bool) bool {
	t.Helper()
	now := dbNow(t, f)
	sc := f.schedule(t, "* * * * * *", model.MisfireRunOnce, now.Truncate(time.Second))
	var fired []*model.GraphExecution
	for range 3 { // the one due now, then two ahead
		runs, _, err := f.store.ScheduleFire(f.ctx, 10, time.Minute, s.decide)
		require.NoError(t, err)
		fired = append(fired, runs...)
	}
	require.Len(t, fired, 3)
	var paused *model.Schedule
	var err error
	if pause {
		paused, err = f.store.ScheduleSetActive(f.ctx, f.user.ID, sc.ID, false, time.Now())
		require.NoError(t, err)
	} else {
		ok, err := f.store.ScheduleDelete(f.ctx, f.user.ID, sc.ID)
		require.NoError(t, err)
		require.True(t, ok)
	}
	if !dbNow(t, f).Before(*fired[1].NotBefore) {
		return false
	}
	if pause {
		require.NotNil(t, paused.LastRunAt)
		require.True(t, paused.LastRunAt.Equal(*fired[0].NotBefore), "last run: the occurrence left, %v", paused.LastRunAt)
		occ := f.stored(t, sc.ID)
		require.Len(t, occ, 1)
		require.True(t, occ[0].Equal(*fired[0].NotBefore))
	}
	ids := []uuid.UUID{fired[0].ID, fired[1].ID, fired[2].ID}
	kept, err := f.store.ExecutionsExisting(f.ctx, ids)
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]bool{fired[0].ID: true}, kept, "pause %v: only the run already due stays", pause)
	return true
}

// A running scheduler tells of a run fired ahead (its QUEUED event, the
// workers' wake-up) when it is due, not when stored; and not at all of one
// taken back meanwhile.
func TestRunFiredAheadIsAnnouncedWhenDue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type told struct {
		at   time.Time
		runs []*model.GraphExecution
	}
	var mu sync.Mutex
	var log []told
	onQueued := func(_ context.Context, runs []*model.GraphExecution) {
		mu.Lock()
		log = append(log, told{time.Now(), runs})
		mu.Unlock()
	}
	s := New(f.store, quiet, onQueued, Options{Ahead: 5 * time.Second})
	s.announceDue(f.ctx, []*model.GraphExecution{{ID: uuid.New()}})
	require.Empty(t, log, "a run no longer stored is not announced")

	due := dbNow(t, f).Truncate(time.Second).Add(2 * time.Second)
	sc := f.schedule(t, "0 0 1 1 *", model.MisfireRunOnce, due)
	require.NoError(t, s.Start(f.ctx))
	defer s.Stop()
	require.Eventually(t, func() bool { return len(f.stored(t, sc.ID)) == 1 }, 30*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(log) == 1
	}, 30*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, log[0].runs, 1)
	require.Equal(t, sc.ID, *log[0].runs[0].Trigger.ScheduleID)
	require.False(t, log[0].at.Before(due), "announced at %v, due %v", log[0].at, due)
}
