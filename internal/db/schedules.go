package db

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db/dbsqlc"
	"github.com/agentgraph/agentgraph/internal/model"
)

// ChannelScheduleChanged is NOTIFYed when a schedule is created, changed or
// resumed, so every scheduler looks again at the earliest due time.
const ChannelScheduleChanged = "agentgraph_schedule_changed"

// notifyScheduleChanged queues the NOTIFY (sent when the statement's
// transaction commits).
func (s *Store) notifyScheduleChanged(ctx context.Context) error {
	_, err := s.db.Exec(ctx, "SELECT pg_notify($1, '')", ChannelScheduleChanged)
	return err
}

// ScheduleSpec is what a schedule runs and when: the caller has parsed the
// cron in the time zone and computed NextRunAt.
type ScheduleSpec struct {
	GraphID       uuid.UUID
	GraphVersion  int
	Name          string
	Cron          string
	Timezone      string
	Inputs        map[string]any
	MisfirePolicy model.MisfirePolicy
	NextRunAt     time.Time
}

func (sp ScheduleSpec) inputs() json.RawMessage {
	if sp.Inputs == nil {
		return json.RawMessage("{}")
	}
	b, _ := json.Marshal(sp.Inputs)
	return b
}

// ScheduleCreate stores an active schedule of the user's.
func (s *Store) ScheduleCreate(ctx context.Context, userID uuid.UUID, sp ScheduleSpec) (*model.Schedule, error) {
	row, err := s.q.ScheduleInsert(ctx, s.db, dbsqlc.ScheduleInsertParams{
		ID: uuid.New(), UserID: userID, GraphID: sp.GraphID, GraphVersion: int32(sp.GraphVersion), Name: sp.Name,
		Cron: sp.Cron, Timezone: sp.Timezone, Inputs: sp.inputs(), MisfirePolicy: dbsqlc.MisfirePolicy(sp.MisfirePolicy),
		NextRunAt: sp.NextRunAt})
	if err != nil {
		return nil, scheduleError(err)
	}
	return scheduleFromRow(row), s.notifyScheduleChanged(ctx)
}

// ScheduleGet returns one of the user's schedules.
func (s *Store) ScheduleGet(ctx context.Context, userID, id uuid.UUID) (*model.Schedule, error) {
	row, err := s.q.ScheduleGet(ctx, s.db, dbsqlc.ScheduleGetParams{ID: id, UserID: userID})
	if err != nil {
		return nil, notFound(err, "schedule")
	}
	return scheduleFromRow(row), nil
}

// ScheduleListByGraph lists the user's schedules of a graph, oldest first.
func (s *Store) ScheduleListByGraph(ctx context.Context, userID, graphID uuid.UUID) ([]*model.Schedule, error) {
	rows, err := s.q.ScheduleListByGraph(ctx, s.db, dbsqlc.ScheduleListByGraphParams{GraphID: graphID, UserID: userID})
	if err != nil {
		return nil, err
	}
	out := make([]*model.Schedule, len(rows))
	for i, r := range rows {
		out[i] = scheduleFromRow(r)
	}
	return out, nil
}

// ScheduleUpdate replaces a schedule's spec (its graph stays the same).
// What the old spec fired ahead and is not yet due is taken back.
func (s *Store) ScheduleUpdate(ctx context.Context, userID, id uuid.UUID, sp ScheduleSpec) (*model.Schedule, error) {
	var out *model.Schedule
	err := s.InTx(ctx, func(tx *Store) error {
		row, err := tx.q.ScheduleUpdate(ctx, tx.db, dbsqlc.ScheduleUpdateParams{
			ID: id, UserID: userID, Name: sp.Name, Cron: sp.Cron, Timezone: sp.Timezone, Inputs: sp.inputs(),
			MisfirePolicy: dbsqlc.MisfirePolicy(sp.MisfirePolicy), NextRunAt: sp.NextRunAt, GraphVersion: int32(sp.GraphVersion)})
		if err != nil {
			return scheduleError(notFound(err, "schedule"))
		}
		out = scheduleFromRow(row)
		if out.LastRunAt, err = tx.q.ScheduleDropAhead(ctx, tx.db, id); err != nil {
			return err
		}
		return tx.notifyScheduleChanged(ctx)
	})
	return out, err
}

// ScheduleSetActive pauses or resumes a schedule; nextRunAt is where a
// resumed one starts. A paused schedule's runs fired ahead of their
// occurrence (not yet due) are taken back: after a pause nothing starts.
func (s *Store) ScheduleSetActive(ctx context.Context, userID, id uuid.UUID, active bool, nextRunAt time.Time) (*model.Schedule, error) {
	var out *model.Schedule
	err := s.InTx(ctx, func(tx *Store) error {
		row, err := tx.q.ScheduleSetActive(ctx, tx.db, dbsqlc.ScheduleSetActiveParams{ID: id, UserID: userID,
			IsActive: active, NextRunAt: nextRunAt})
		if err != nil {
			return notFound(err, "schedule")
		}
		out = scheduleFromRow(row)
		if !active {
			if out.LastRunAt, err = tx.q.ScheduleDropAhead(ctx, tx.db, id); err != nil {
				return err
			}
		}
		return tx.notifyScheduleChanged(ctx)
	})
	return out, err
}

// ScheduleDelete deletes one of the user's schedules; false if there was
// none. Its runs fired ahead and not yet due go with it; the others stay
// (their schedule_id set NULL).
func (s *Store) ScheduleDelete(ctx context.Context, userID, id uuid.UUID) (bool, error) {
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		// Pausing it first locks its row: a firing in flight has committed.
		if _, err := tx.q.ScheduleSetActive(ctx, tx.db, dbsqlc.ScheduleSetActiveParams{ID: id, UserID: userID,
			IsActive: false, NextRunAt: time.Now()}); err != nil {
			return notFound(err, "schedule")
		}
		if _, err := tx.q.ScheduleDropAhead(ctx, tx.db, id); err != nil {
			return err
		}
		var err error
		n, err = tx.q.ScheduleDelete(ctx, tx.db, dbsqlc.ScheduleDeleteParams{ID: id, UserID: userID})
		return err
	})
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return n > 0, err
}

// ScheduleOccurrences lists a schedule's latest occurrences, newest first.
func (s *Store) ScheduleOccurrences(ctx context.Context, userID, scheduleID uuid.UUID, limit int) ([]model.ScheduleOccurrence, error) {
	rows, err := s.q.ScheduleOccurrenceList(ctx, s.db, dbsqlc.ScheduleOccurrenceListParams{
		ScheduleID: scheduleID, UserID: userID, Lim: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]model.ScheduleOccurrence, len(rows))
	for i, r := range rows {
		out[i] = model.ScheduleOccurrence{ScheduleID: r.ScheduleID, OccurrenceAt: r.OccurrenceAt,
			ExecutionID: nullID(r.ExecutionID), Error: r.Error, FiredAt: r.FiredAt}
	}
	return out, nil
}

// ScheduleRuns returns, for each of the user's schedules among ids, the
// runs its latest limit occurrences started, newest first (one statement:
// the Schedule.executions loader). Others' schedules are absent.
func (s *Store) ScheduleRuns(ctx context.Context, userID uuid.UUID, ids []uuid.UUID, limit int) (map[uuid.UUID][]*model.GraphExecution, error) {
	rows, err := s.q.ScheduleRunsMany(ctx, s.db, dbsqlc.ScheduleRunsManyParams{Lim: int32(limit), ScheduleIds: ids, UserID: userID})
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*model.GraphExecution, len(ids))
	for _, r := range rows {
		out[r.ScheduleID] = append(out[r.ScheduleID], executionFromRow(r.GraphExecution))
	}
	return out, nil
}

// ScheduleNextDue says when the earliest active schedule is due (ok false:
// none is active), with the database's clock, which all schedulers share.
func (s *Store) ScheduleNextDue(ctx context.Context) (due, now time.Time, ok bool, err error) {
	r, err := s.q.ScheduleNextDue(ctx, s.db)
	if err != nil {
		return time.Time{}, time.Time{}, false, err
	}
	return r.NextDue, r.DbNow, r.Any, nil
}

// DueSchedule is a schedule claimed for firing, with what firing checks.
type DueSchedule struct {
	*model.Schedule
	UserActive bool
	UserLocale string
	Balance    int64
	HasCosts   bool      // the graph has blocks with a cost
	Now        time.Time // the database's clock
}

// Firing is what the scheduler decided for one due schedule.
type Firing struct {
	// OccurrenceAt is the occurrence fired; zero: none (all were skipped).
	OccurrenceAt time.Time
	// Error, when set, records the occurrence as failed with this reason
	// instead of starting a run.
	Error string
	// NextRunAt is the schedule's next occurrence after this firing.
	NextRunAt time.Time
}

// ScheduleFire claims up to limit schedules due now or within ahead
// (skipping those another scheduler holds) and, in one transaction, for
// each: records the occurrence decide chose under its unique key, stores
// its run QUEUED with the occurrence as its not-before time (or the reason
// it has none), and advances next_run_at. An occurrence already recorded
// starts no run. It returns the runs stored (for their QUEUED events) and
// how many schedules it claimed.
func (s *Store) ScheduleFire(ctx context.Context, limit int, ahead time.Duration, decide func(DueSchedule) Firing) ([]*model.GraphExecution, int, error) {
	var runs []*model.GraphExecution
	var claimed int
	err := s.InTx(ctx, func(tx *Store) error {
		rows, err := tx.q.ScheduleClaimDue(ctx, tx.db, dbsqlc.ScheduleClaimDueParams{Ahead: ahead.Seconds(), Lim: int32(limit)})
		if err != nil || len(rows) == 0 {
			return err
		}
		claimed = len(rows)
		type occ struct {
			ScheduleID   uuid.UUID  `json:"schedule_id"`
			OccurrenceAt time.Time  `json:"occurrence_at"`
			ExecutionID  *uuid.UUID `json:"execution_id"`
			Error        *string    `json:"error"`
		}
		type move struct {
			ID        uuid.UUID  `json:"id"`
			NextRunAt time.Time  `json:"next_run_at"`
			LastRunAt *time.Time `json:"last_run_at"`
		}
		var occs []occ
		moves := make([]move, 0, len(rows))
		pending := map[uuid.UUID]TriggeredRun{} // by execution id, stored only if the occurrence is new
		for _, r := range rows {
			sc := scheduleFromRow(dbsqlc.Schedule{ID: r.ID, UserID: r.UserID, GraphID: r.GraphID,
				GraphVersion: r.GraphVersion, Name: r.Name, Cron: r.Cron, Timezone: r.Timezone, Inputs: r.Inputs,
				MisfirePolicy: r.MisfirePolicy, IsActive: r.IsActive, NextRunAt: r.NextRunAt, LastRunAt: r.LastRunAt,
				CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
			f := decide(DueSchedule{Schedule: sc, UserActive: r.UserActive, UserLocale: r.UserLocale,
				Balance: r.Balance, HasCosts: r.HasCosts, Now: r.DbNow})
			m := move{ID: sc.ID, NextRunAt: f.NextRunAt}
			if !f.OccurrenceAt.IsZero() {
				at := f.OccurrenceAt
				m.LastRunAt = &at
				o := occ{ScheduleID: sc.ID, OccurrenceAt: at}
				if f.Error != "" {
					msg := f.Error
					o.Error = &msg
				} else {
					id := uuid.New()
					o.ExecutionID = &id
					var inputs map[string]any
					_ = json.Unmarshal(sc.Inputs, &inputs)
					sid := sc.ID
					pending[id] = TriggeredRun{NewExecution: NewExecution{ID: id, GraphID: sc.GraphID,
						GraphVersion: sc.GraphVersion, UserID: sc.UserID, Inputs: inputs,
						UserContext: model.UserContext{Timezone: sc.Timezone, Locale: r.UserLocale}},
						Trigger: model.Trigger{Kind: model.TriggerSchedule, ScheduleID: &sid}, NotBefore: &at}
				}
				occs = append(occs, o)
			}
			moves = append(moves, m)
		}
		if len(occs) > 0 {
			b, _ := json.Marshal(occs)
			stored, err := tx.q.ScheduleOccurrenceInsertMany(ctx, tx.db, b)
			if err != nil {
				return err
			}
			var fire []TriggeredRun
			for _, o := range stored {
				if o.ExecutionID.Valid {
					fire = append(fire, pending[o.ExecutionID.UUID])
				}
			}
			if runs, err = tx.insertTriggered(ctx, fire); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(moves)
		return tx.q.ScheduleAdvance(ctx, tx.db, b)
	})
	if err != nil {
		return nil, 0, err
	}
	return runs, claimed, nil
}

// scheduleError maps a missing graph version (the foreign key) to NOT_FOUND.
func scheduleError(err error) error {
	if code, _ := constraint(err); code == "23503" {
		return model.NotFound("graph")
	}
	return err
}

func scheduleFromRow(r dbsqlc.Schedule) *model.Schedule {
	return &model.Schedule{ID: r.ID, UserID: r.UserID, GraphID: r.GraphID, GraphVersion: int(r.GraphVersion),
		Name: r.Name, Cron: r.Cron, Timezone: r.Timezone, Inputs: r.Inputs,
		MisfirePolicy: model.MisfirePolicy(r.MisfirePolicy), IsActive: r.IsActive, NextRunAt: r.NextRunAt,
		LastRunAt: r.LastRunAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
