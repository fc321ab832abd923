package schedule

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agentgraph/agentgraph/internal/db"
	"github.com/agentgraph/agentgraph/internal/model"
)

// InputChecker validates a run's inputs against a graph version of the
// user's (the engine's CheckInputs), answering the version it checked.
type InputChecker interface {
	CheckInputs(ctx context.Context, userID, graphID uuid.UUID, version int, inputs map[string]any) (int, error)
}

// Service validates and stores schedules: nothing is stored unless the
// cron parses, the time zone exists, the graph is the user's and the inputs
// fit it.
type Service struct {
	store *db.Store
	check InputChecker
	now   func() time.Time
}

// NewService builds the schedule service.
func NewService(store *db.Store, check InputChecker) *Service {
	return &Service{store: store, check: check, now: time.Now}
}

// Input is a schedule as a user gives it.
type Input struct {
	GraphID       uuid.UUID
	GraphVersion  int // 0: the active version (then pinned)
	Name          string
	Cron          string
	Timezone      string // "": the user's
	Inputs        map[string]any
	MisfirePolicy model.MisfirePolicy // "": RUN_ONCE
}

// spec validates in and computes the first occurrence after now.
func (s *Service) spec(ctx context.Context, user *model.User, in Input) (db.ScheduleSpec, error) {
	// Characters, as the column's CHECK counts them: a 60-character name
	// in Japanese is 180 bytes.
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 100 {
		return db.ScheduleSpec{}, model.Invalid("name", "must be 1 to 100 characters")
	}
	if in.Timezone == "" {
		in.Timezone = user.Timezone
	}
	if in.MisfirePolicy == "" {
		in.MisfirePolicy = model.MisfireRunOnce
	}
	c, err := ParseCron(in.Cron, in.Timezone)
	if err != nil {
		return db.ScheduleSpec{}, err
	}
	version, err := s.check.CheckInputs(ctx, user.ID, in.GraphID, in.GraphVersion, in.Inputs)
	if err != nil {
		return db.ScheduleSpec{}, err
	}
	return db.ScheduleSpec{GraphID: in.GraphID, GraphVersion: version, Name: in.Name, Cron: in.Cron,
		Timezone: in.Timezone, Inputs: in.Inputs, MisfirePolicy: in.MisfirePolicy, NextRunAt: c.Next(s.now())}, nil
}

// Create stores a new active schedule.
func (s *Service) Create(ctx context.Context, user *model.User, in Input) (*model.Schedule, error) {
	sp, err := s.spec(ctx, user, in)
	if err != nil {
		return nil, err
	}
	return s.store.ScheduleCreate(ctx, user.ID, sp)
}

// Update replaces a schedule's spec; its graph cannot change.
func (s *Service) Update(ctx context.Context, user *model.User, id uuid.UUID, in Input) (*model.Schedule, error) {
	cur, err := s.store.ScheduleGet(ctx, user.ID, id)
	if err != nil {
		return nil, err
	}
	if in.GraphID != cur.GraphID {
		return nil, model.Invalid("input.graphId", "a schedule's graph cannot change; create another schedule")
	}
	sp, err := s.spec(ctx, user, in)
	if err != nil {
		return nil, err
	}
	if !cur.IsActive {
		sp.NextRunAt = cur.NextRunAt // resumed later from now anyway
	}
	return s.store.ScheduleUpdate(ctx, user.ID, id, sp)
}

// SetActive pauses, or resumes from the next occurrence after now.
func (s *Service) SetActive(ctx context.Context, userID, id uuid.UUID, active bool) (*model.Schedule, error) {
	cur, err := s.store.ScheduleGet(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	next := cur.NextRunAt
	if active {
		c, err := ParseCron(cur.Cron, cur.Timezone)
		if err != nil {
			return nil, err
		}
		next = c.Next(s.now())
	}
	return s.store.ScheduleSetActive(ctx, userID, id, active, next)
}

// Delete deletes a schedule (its past runs stay).
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	ok, err := s.store.ScheduleDelete(ctx, userID, id)
	if err == nil && !ok {
		err = model.NotFound("schedule")
	}
	return err
}
