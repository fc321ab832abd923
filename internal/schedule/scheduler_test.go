package schedule

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
	"github.com/agentgraph/agentgraph/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture: a database of the test's own with a user, a one-node graph and
// a block, so schedules have something to run.
type fixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	store *db.Store
	user  *model.User
	graph *model.FullGraph
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool, _ := testenv.NewDatabase(t, 8)
	f := &fixture{ctx: context.Background(), pool: pool, store: db.New(pool)}
	blockID := uuid.New()
	require.NoError(t, f.store.BlockSync(f.ctx, []db.BlockDescriptor{{ID: blockID, Name: "SchedTestBlock",
		Type: "STANDARD", Categories: []string{"BASIC"}, InputSchema: []byte(`{}`), OutputSchema: []byte(`{}`)}}))
	var err error
	f.user, err = f.store.UserCreate(f.ctx, db.NewUser{Email: "s" + testenv.RandomSuffix(6) + "@example.com"})
	require.NoError(t, err)
	f.graph, err = f.store.GraphSaveSpec(f.ctx, f.user.ID, &model.GraphSpec{Name: "g",
		Nodes: []model.NodeSpec{{Key: "a", BlockID: blockID.String()}}}, db.GraphSave{})
	require.NoError(t, err)
	return f
}

func (f *fixture) schedule(t *testing.T, cron string, policy model.MisfirePolicy, next time.Time) *model.Schedule {
	t.Helper()
	s, err := f.store.ScheduleCreate(f.ctx, f.user.ID, db.ScheduleSpec{GraphID: f.graph.ID, GraphVersion: f.graph.Version,
		Name: "s", Cron: cron, Timezone: "UTC", MisfirePolicy: policy, NextRunAt: next})
	require.NoError(t, err)
	return s
}

func (f *fixture) occurrences(t *testing.T, id uuid.UUID) []model.ScheduleOccurrence {
	t.Helper()
	occ, err := f.store.ScheduleOccurrences(f.ctx, f.user.ID, id, 1000)
	require.NoError(t, err)
	return occ
}

func dbNow(t *testing.T, f *fixture) time.Time {
	_, now, _, err := f.store.ScheduleNextDue(f.ctx)
	require.NoError(t, err)
	return now
}

// After downtime (ten missed hours): RUN_ONCE fires once for all of them,
// at the latest; SKIP fires none; both continue after now. The cron's
// minute is half an hour from now, so the latest missed occurrence is
// always far outside the grace.
func TestMisfirePolicies(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := dbNow(t, f)
	minute := (now.Minute() + 30) % 60
	cron := fmt.Sprintf("%d * * * *", minute)
	latest := now.Truncate(time.Hour).Add(time.Duration(minute) * time.Minute)
	if latest.After(now) {
		latest = latest.Add(-time.Hour)
	}
	missedFrom := latest.Add(-10 * time.Hour)
	once := f.schedule(t, cron, model.MisfireRunOnce, missedFrom)
	skip := f.schedule(t, cron, model.MisfireSkip, missedFrom)
	s := New(f.store, quiet, nil, Options{})
	runs, _, err := f.store.ScheduleFire(f.ctx, 10, 0, s.decide)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, once.ID, *runs[0].Trigger.ScheduleID)

	occ := f.occurrences(t, once.ID)
	require.Len(t, occ, 1)
	require.True(t, occ[0].OccurrenceAt.Equal(latest), "the latest missed occurrence: %v, want %v", occ[0].OccurrenceAt, latest)
	require.Empty(t, f.occurrences(t, skip.ID))
	for _, id := range []uuid.UUID{once.ID, skip.ID} {
		got, err := f.store.ScheduleGet(f.ctx, f.user.ID, id)
		require.NoError(t, err)
		require.True(t, got.NextRunAt.After(now), "continues after now")
		require.True(t, got.NextRunAt.Equal(latest.Add(time.Hour)))
	}
	// An occurrence only a little late (within the grace) is not missed: SKIP fires it.
	late := f.schedule(t, "* * * * *", model.MisfireSkip, now.Add(-2*time.Second))
	runs, _, err = f.store.ScheduleFire(f.ctx, 10, 0, s.decide)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, late.ID, *runs[0].Trigger.ScheduleID)
}

// A paused schedule is never claimed, however overdue.
func TestPausedScheduleNeverFires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sc := f.schedule(t, "* * * * * *", model.MisfireRunOnce, dbNow(t, f).Add(-time.Hour))
	_, err := f.store.ScheduleSetActive(f.ctx, f.user.ID, sc.ID, false, sc.NextRunAt)
	require.NoError(t, err)
	s := New(f.store, quiet, nil, Options{})
	runs, claimed, err := f.store.ScheduleFire(f.ctx, 10, 0, s.decide)
	require.NoError(t, err)
	require.Zero(t, claimed)
	require.Empty(t, runs)
	_, _, any, err := f.store.ScheduleNextDue(f.ctx)
	require.NoError(t, err)
	require.False(t, any, "no active schedule")
}

// The owner without credits for a graph with paid blocks: the occurrence
// is recorded as failed with the reason, and no run starts.
func TestNoCreditsRecordsFailedOccurrence(t *testing.T) {
	t.Parallel()
	s := New(nil, quiet, nil, Options{})
	sc := &model.Schedule{Cron: "0 * * * *", Timezone: "UTC", NextRunAt: time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC),
		MisfirePolicy: model.MisfireRunOnce}
	f := s.decide(db.DueSchedule{Schedule: sc, UserActive: true, HasCosts: true, Balance: 0,
		Now: time.Date(2025, 1, 1, 10, 0, 1, 0, time.UTC)})
	require.Contains(t, f.Error, "insufficient credits")
	require.True(t, f.OccurrenceAt.Equal(sc.NextRunAt))
	require.True(t, f.NextRunAt.Equal(time.Date(2025, 1, 1, 11, 0, 0, 0, time.UTC)))
	f = s.decide(db.DueSchedule{Schedule: sc, UserActive: true, HasCosts: false, Balance: 0,
		Now: time.Date(2025, 1, 1, 10, 0, 1, 0, time.UTC)})
	require.Empty(t, f.Error, "a free graph runs without credits")
	f = s.decide(db.DueSchedule{Schedule: sc, UserActive: false, Now: time.Date(2025, 1, 1, 10, 0, 1, 0, time.UTC)})
	require.Contains(t, f.Error, "deactivated")
}

// Two running schedulers on one database fire each occurrence exactly once.
func TestTwoSchedulersFireEachOccurrenceOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 40
	past := dbNow(t, f).Add(-30 * time.Second)
	for range n {
		f.schedule(t, "0 0 1 1 *", model.MisfireRunOnce, past) // fires once, next in a year
	}
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	done := make(chan struct{})
	onQueued := func(_ context.Context, runs []*model.GraphExecution) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range runs {
			seen[*r.Trigger.ScheduleID]++
		}
		if len(seen) == n {
			select {
			case <-done:
			default:
				close(done)
			}
		}
	}
	a := New(f.store, quiet, onQueued, Options{Batch: 3})
	b := New(f.store, quiet, onQueued, Options{Batch: 3})
	require.NoError(t, a.Start(f.ctx))
	require.NoError(t, b.Start(f.ctx))
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the schedules did not all fire")
	}
	a.Stop()
	b.Stop()
	a.Stop() // idempotent
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, n)
	for id, c := range seen {
		require.Equal(t, 1, c, "schedule %s", id)
	}
	var runs int
	require.NoError(t, f.storeCount(&runs))
	require.Equal(t, n, runs)
}

func (f *fixture) storeCount(n *int) error {
	exs, err := f.store.ExecutionList(f.ctx, f.user.ID, nil, nil, nil, 1000)
	*n = len(exs)
	return err
}
